// Stream timers on virtual time: idle pushed back by activity, max duration fixed, one reply only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import { type StreamTimeoutReply, StreamTimers, streamLimits } from './stream-timers.js';

test('the idle timeout fires after inactivity with 408 SI; activity pushes it back', () => {
  const clock = new VirtualClock();
  const fired: StreamTimeoutReply[] = [];
  const t = new StreamTimers(clock, 100, 0, (r) => fired.push(r));
  clock.advance(90);
  t.touch();
  clock.advance(90);
  assert.equal(fired.length, 0);
  clock.advance(10);
  assert.deepEqual(fired, [
    { kind: 'stream-idle', status: 408, body: 'stream timeout', flag: 'SI', details: 'stream_idle_timeout' },
  ]);
  assert.equal(clock.pendingTimers, 0);
});

test('max stream duration fires regardless of activity, once', () => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  const t = new StreamTimers(clock, 50, 120, (r) => fired.push(`${r.flag}@${clock.now()}`));
  for (let i = 0; i < 10; i++) {
    clock.advance(20);
    t.touch();
  }
  assert.deepEqual(fired, ['DT@120']);
});

test('stop cancels both; zero disables', () => {
  const clock = new VirtualClock();
  const t = new StreamTimers(clock, 10, 10, () => assert.fail('fired'));
  t.stop();
  clock.advance(100);
  new StreamTimers(clock, 0, 0, () => assert.fail('fired'));
  assert.equal(clock.pendingTimers, 0);
});

test('route limits override the connection manager', () => {
  assert.deepEqual(streamLimits({}, { streamIdleTimeoutMs: 300_000, maxStreamDurationMs: 0 }), {
    idleMs: 300_000,
    maxDurationMs: 0,
  });
  assert.deepEqual(
    streamLimits(
      { idleTimeoutMs: 5, maxStreamDurationMs: 7 },
      { streamIdleTimeoutMs: 1, maxStreamDurationMs: 2 },
    ),
    {
      idleMs: 5,
      maxDurationMs: 7,
    },
  );
});
