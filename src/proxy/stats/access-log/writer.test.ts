// Buffered access-log output: nothing hits the file per request; the timer, the size threshold and close
// each flush; loggers sharing a path share one writer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AccessLogEntry } from '../../http/access-log-entry.js';
import { StatsStore } from '../store.js';
import { AccessLogManager } from './manager.js';
import { AccessLogWriter } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'trellis-alog-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

test('lines wait in memory until the flush timer fires', async () => {
  const path = join(dir, 'timer.log');
  const stats = new StatsStore();
  const w = new AccessLogWriter({ kind: 'file', path }, { flushIntervalMs: 200, stats });
  const writtenAt = performance.now();
  w.write('one\n');
  w.write('two\n');
  await new Promise((r) => setImmediate(r));
  assert.equal(read(path), '');
  // Poll: a loaded machine may fire the timer late, never early.
  while (read(path) === '' && performance.now() - writtenAt < 5000)
    await new Promise((r) => setTimeout(r, 20));
  assert.ok(performance.now() - writtenAt >= 190);
  assert.equal(read(path), 'one\ntwo\n');
  await w.flush(); // settles the timer's write callback, which may run after the bytes are visible
  assert.equal(stats.counter('filesystem.flushed_by_timer').value, 1);
  assert.equal(stats.counter('filesystem.write_buffered').value, 2);
  assert.equal(stats.counter('filesystem.write_completed').value, 1);
  await w.close();
});

test('a full buffer flushes at once; close flushes the rest and ignores later lines', async () => {
  const path = join(dir, 'size.log');
  const w = new AccessLogWriter({ kind: 'file', path }, { flushIntervalMs: 60_000, flushBytes: 10 });
  w.write('12345\n');
  w.write('67890\n');
  await w.flush();
  assert.equal(read(path), '12345\n67890\n');
  w.write('tail\n');
  await w.close();
  w.write('late\n');
  assert.equal(read(path), '12345\n67890\ntail\n');
});

test('the manager compiles the config format and shares one writer per path', async () => {
  const path = join(dir, 'access.log');
  const m = new AccessLogManager({ flushIntervalMs: 60_000 });
  const a = m.create({ path, format: { kind: 'default' } });
  const b = m.create({ path, format: { kind: 'json', fields: { code: '%RESPONSE_CODE%' } } });
  assert.ok(a.ok && b.ok);
  assert.equal(m.writerFor(path), m.writerFor(path));
  const entry: AccessLogEntry = {
    startTimeMs: 0,
    method: 'POST',
    path: '/x',
    protocol: 'HTTP/2',
    status: 404,
    responseFlags: 'NR',
    responseCodeDetails: 'route_not_found',
    bytesReceived: 3,
    bytesSent: 0,
    durationMs: 0,
    upstreamServiceTimeMs: -1,
    upstreamHost: '',
    upstreamCluster: '',
    downstreamRemoteAddress: '127.0.0.1:5000',
    downstreamLocalAddress: '127.0.0.1:8080',
    xForwardedFor: '',
    userAgent: '',
    requestId: '',
    authority: 'a',
    routeName: '',
    upstreamTransportFailureReason: '',
    requestedServerName: '',
  };
  a.value.log(entry);
  b.value.log(entry);
  assert.equal(read(path), '');
  await m.closeAll();
  assert.equal(
    read(path),
    '[1970-01-01T00:00:00.000Z] "POST /x HTTP/2" 404 NR 3 0 0 - "-" "-" "-" "a" "-"\n{"code":404}\n',
  );
  const bad = m.create({ path, format: { kind: 'text', template: '%NOPE%' } });
  assert.ok(!bad.ok);
});

test('a real process logging to stdout gets every line out on close, in one write', () => {
  const writerUrl = new URL('./writer.js', import.meta.url).href;
  const script =
    `const { AccessLogWriter } = await import(${JSON.stringify(writerUrl)});` +
    `const w = new AccessLogWriter({ kind: 'stdout' }, { flushIntervalMs: 60000 });` +
    `for (let i = 0; i < 3; i++) w.write('line ' + i + '\\n');` +
    `process.stderr.write('before-close ');` +
    `await w.close();`;
  // execArgv carries `--import tsx` when the tests run from source, so the child loads the same module.
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, 'line 0\nline 1\nline 2\n');
});

test('lines still buffered when the process exits without close are written by the exit hook', () => {
  const path = join(dir, 'exit.log');
  const writerUrl = new URL('./writer.js', import.meta.url).href;
  const script =
    `const { AccessLogWriter } = await import(${JSON.stringify(writerUrl)});` +
    `const w = new AccessLogWriter({ kind: 'file', path: ${JSON.stringify(path)} }, { flushIntervalMs: 60000 });` +
    `w.write('kept\\n');` +
    `setTimeout(() => process.exit(0), 50);`;
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(read(path), 'kept\n');
});
