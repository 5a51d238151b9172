// Debounce on virtual time: 100 ms of quiet releases one merged request; a steady stream is capped at 1 s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import { Debouncer, type PushRequest } from './debounce.js';

test('changes merge until 100 ms of quiet', () => {
  const clock = new VirtualClock();
  const released: PushRequest[] = [];
  const d = new Debouncer(clock, (r) => released.push(r));
  d.push({ full: false, hosts: new Set(['a']), reasons: ['registry'] });
  clock.advance(50);
  d.push({ full: true, hosts: new Set(['b']), reasons: ['config'] });
  clock.advance(99);
  assert.equal(released.length, 0);
  clock.advance(1);
  assert.equal(released.length, 1);
  assert.deepEqual([...released[0].hosts].sort(), ['a', 'b']);
  assert.equal(released[0].full, true);
  assert.deepEqual(released[0].reasons, ['registry', 'config']);
  assert.equal(released[0].start, 0);
  clock.advance(1000);
  assert.equal(released.length, 1, 'nothing more without changes');
});

test('a change every 50 ms is released at 1 s after the first', () => {
  const clock = new VirtualClock();
  const at: number[] = [];
  const d = new Debouncer(clock, () => at.push(clock.now()));
  for (let i = 0; i < 30; i++) {
    d.push({ full: true, hosts: new Set(), reasons: [] });
    clock.advance(50);
  }
  assert.equal(at[0], 1000);
});
