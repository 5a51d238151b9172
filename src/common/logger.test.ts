// The leveled logger: level filtering, Envoy's line format, registry-wide and per-logger changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoggerRegistry, parseLogLevel } from './logger.js';

function capture(): { lines: string[]; registry: LoggerRegistry } {
  const lines: string[] = [];
  const registry = new LoggerRegistry({
    names: ['router', 'upstream'],
    sink: (line) => lines.push(line),
    now: () => Date.UTC(2026, 10, 25, 14, 17, 29, 5),
  });
  return { lines, registry };
}

test('messages below the level are dropped; lines carry time, pid, level and name', () => {
  const { lines, registry } = capture();
  const log = registry.get('router');
  log.debug('hidden');
  log.info('shown');
  log.critical('boom');
  assert.deepEqual(lines, [
    `[2026-11-25 14:17:29.005][${process.pid}][info][router] shown`,
    `[2026-11-25 14:17:29.005][${process.pid}][critical][router] boom`,
  ]);
  assert.equal(log.enabled('debug'), false);
  assert.equal(log.enabled('warning'), true);
});

test('setAll changes every logger and later ones; set changes one; off silences', () => {
  const { lines, registry } = capture();
  registry.setAll('debug');
  registry.get('router').debug('a');
  assert.equal(registry.get('late').level, 'debug');
  assert.equal(registry.set('upstream', 'off'), true);
  registry.get('upstream').critical('silenced');
  assert.equal(registry.set('missing', 'info'), false);
  assert.equal(lines.length, 1);
  assert.deepEqual(
    registry.list().map((l) => `${l.name}:${l.level}`),
    ['late:debug', 'router:debug', 'upstream:off'],
  );
});

test('level names as Envoy accepts them', () => {
  assert.equal(parseLogLevel('WARN'), 'warning');
  assert.equal(parseLogLevel('trace'), 'trace');
  assert.equal(parseLogLevel('loud'), undefined);
});
