// VirtualClock ordering and IdleTimer re-arming, and the system clock's timers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdleTimer, systemClock, VirtualClock } from './clock.js';

test('virtual timers fire in due order, each at its own time, and only when time reaches them', () => {
  const clock = new VirtualClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
  clock.advance(9);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, ['a@1010']);
  clock.advance(100);
  assert.deepEqual(fired, ['a@1010', 'b@1020', 'c@1020']);
  assert.equal(clock.now(), 1110);
});

test('timers set while firing run in the same advance when due; cancelled ones never run', () => {
  const clock = new VirtualClock();
  const fired: number[] = [];
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 5);
  }, 5);
  const h = clock.setTimeout(() => fired.push(-1), 7);
  clock.clearTimeout(h);
  clock.advance(20);
  assert.deepEqual(fired, [5, 10]);
  assert.equal(clock.pendingTimers, 0);
});

test('runAll drains re-arming chains up to its limit', () => {
  const clock = new VirtualClock();
  let n = 0;
  const tick = () => {
    n++;
    if (n < 5) clock.setTimeout(tick, 100);
  };
  clock.setTimeout(tick, 100);
  clock.runAll();
  assert.equal(n, 5);
  assert.equal(clock.now(), 500);
});

test('an idle timer fires only after timeoutMs without a touch', () => {
  const clock = new VirtualClock();
  let idle = 0;
  const t = new IdleTimer(clock, 100, () => idle++);
  t.touch();
  clock.advance(60);
  t.touch(); // deadline moves to 160
  clock.advance(60);
  assert.equal(idle, 0);
  clock.advance(39);
  assert.equal(idle, 0);
  clock.advance(1);
  assert.equal(idle, 1);
  assert.equal(t.active, false);
  t.touch();
  t.stop();
  clock.advance(1000);
  assert.equal(idle, 1);
});

test('an idle timeout of 0 is disabled', () => {
  const clock = new VirtualClock();
  const t = new IdleTimer(clock, 0, () => assert.fail('fired'));
  t.touch();
  assert.equal(clock.pendingTimers, 0);
});

test('the system clock runs real timers and can cancel them', async () => {
  const start = systemClock.now();
  let cancelledRan = false;
  const h = systemClock.setTimeout(() => {
    cancelledRan = true;
  }, 5);
  systemClock.clearTimeout(h);
  await new Promise<void>((resolve) => {
    const keep = setTimeout(() => {}, 1000); // the clock's timers are unref'd; hold the loop open
    systemClock.setTimeout(() => {
      clearTimeout(keep);
      resolve();
    }, 20);
  });
  assert.ok(systemClock.now() - start >= 19);
  assert.equal(cancelledRan, false);
});
