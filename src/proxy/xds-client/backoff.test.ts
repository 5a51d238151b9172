// Reconnect back-off: the ceiling doubles from the base up to the cap, jitter keeps each delay in
// [ceiling/2, ceiling], and reset() starts over.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExponentialBackoff } from './backoff.js';

test('delays double up to the cap, within the jitter band, and reset starts over', () => {
  const low = new ExponentialBackoff({ baseMs: 500, maxMs: 30_000, random: () => 0 });
  assert.deepEqual(
    Array.from({ length: 9 }, () => low.next()),
    [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000],
  );
  const high = new ExponentialBackoff({ baseMs: 500, maxMs: 30_000, random: () => 0.999_999 });
  assert.deepEqual(
    Array.from({ length: 8 }, () => high.next()),
    [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
  );
  high.reset();
  assert.equal(high.next(), 500);
});
