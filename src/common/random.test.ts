// Seeded random: reproducible sequences, distinct seeds, uniform enough for percentage tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from './random.js';

test('the same seed replays the same sequence; different seeds differ', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const sa = Array.from({ length: 8 }, () => a.nextU32());
  const sb = Array.from({ length: 8 }, () => b.nextU32());
  const sc = Array.from({ length: 8 }, () => c.nextU32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  for (const v of sa) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 32);
});

test('next() stays in [0, 1) and nextInt(n) in [0, n), roughly uniform', () => {
  const r = new SeededRandom(7);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const f = r.next();
    assert.ok(f >= 0 && f < 1);
    buckets[r.nextInt(10)]++;
  }
  for (const n of buckets) assert.ok(Math.abs(n - 10_000) < 500, `bucket ${n}`);
});

test('seed 0 is usable (no stuck all-zero state)', () => {
  const r = new SeededRandom(0);
  const values = new Set(Array.from({ length: 100 }, () => r.nextU32()));
  assert.ok(values.size > 95);
});
