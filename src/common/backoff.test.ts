// Jittered exponential back-off: the Nth draw lies in [0, (2^N − 1) × base), capped at max.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BACKOFF_BASE_MS, JitteredExponentialBackoff } from './backoff.js';
import type { Random } from './random.js';
import { SeededRandom } from './random.js';

/** A random that always draws the top of the range: nextInt(n) = n − 1. */
const highest: Random = { next: () => 0.999999, nextInt: (n) => n - 1, nextU32: () => 2 ** 32 - 1 };

test('ceilings grow as (2^N − 1) × base until the cap, then stay capped', () => {
  const b = new JitteredExponentialBackoff(DEFAULT_BACKOFF_BASE_MS, 250, highest);
  // 25 ms base: [0,25) [0,75) [0,175) then 375 > 250 → capped at 250.
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [24, 74, 174, 250, 250]);
  b.reset();
  assert.equal(b.next(), 24);
});

test('draws stay inside their ranges and use the whole range', () => {
  const r = new SeededRandom(1);
  const maxSeen = [0, 0, 0];
  for (let i = 0; i < 2000; i++) {
    const b = new JitteredExponentialBackoff(25, 250, r);
    const d = [b.next(), b.next(), b.next()];
    assert.ok(d[0] >= 0 && d[0] < 25 && d[1] < 75 && d[2] < 175, String(d));
    for (let k = 0; k < 3; k++) maxSeen[k] = Math.max(maxSeen[k], d[k]);
  }
  assert.deepEqual(maxSeen, [24, 74, 174]);
});

test('invalid settings are rejected', () => {
  assert.throws(() => new JitteredExponentialBackoff(0, 10, highest), RangeError);
  assert.throws(() => new JitteredExponentialBackoff(50, 10, highest), RangeError);
});
