// Back-off doubles per crash, caps at the maximum, and resets once a process stayed up long enough.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartPolicy } from './restart.js';

test('restart delays double, cap, and reset after a healthy run', () => {
  let now = 0;
  const p = new RestartPolicy(1000, 8000, 30_000, () => now);
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    p.started();
    now += 100; // crashed quickly
    delays.push(p.nextDelayMs());
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000]);
  p.started();
  now += 31_000; // ran long enough to count as healthy
  assert.equal(p.nextDelayMs(), 1000);
});
