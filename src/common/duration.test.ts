// Durations: Go-style parsing into milliseconds, rejection of malformed text, printing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationMs, durationOrSecondsMs, formatDuration, parseDuration } from './duration.js';

test('parses the units Istio and Argo write', () => {
  assert.equal(durationMs('5s'), 5000);
  assert.equal(durationMs('1.5s'), 1500);
  assert.equal(durationMs('100ms'), 100);
  assert.equal(durationMs('1h'), 3_600_000);
  assert.equal(durationMs('5m'), 300_000);
  assert.equal(durationMs('1h30m'), 5_400_000);
  assert.equal(durationMs('250us'), 0.25);
  assert.equal(durationMs('0'), 0);
  assert.equal(durationMs('0s'), 0);
  assert.equal(durationMs('.5s'), 500);
});

test('rejects malformed durations with a hint', () => {
  for (const bad of ['', '5', 'abc', '5x', '-1s', '1.2.3s', 's', '5 s']) {
    const r = parseDuration(bad);
    assert.equal(r.ok, false, bad);
  }
  const r = parseDuration('30');
  assert.ok(!r.ok && r.message.includes('missing a unit'));
});

test('Argo pause durations may be bare seconds', () => {
  assert.equal(durationOrSecondsMs(30), 30_000);
  assert.equal(durationOrSecondsMs('10m'), 600_000);
});

test('prints like Go', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(100), '100ms');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(5_400_000), '1h30m0s');
  assert.equal(formatDuration(durationMs(formatDuration(123_456))), '2m3.456s');
});
