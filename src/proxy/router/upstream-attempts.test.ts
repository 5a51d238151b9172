// Upstream attempts on virtual time: back-off between attempts, per-try timeouts retried or answered,
// outlier reports per attempt, previous hosts avoided, body replay allowed only while buffered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import type { Random } from '../../common/random.js';
import type { RetryPolicy } from '../config/route.js';
import { StatsStore } from '../stats/store.js';
import { HostSet } from '../upstream/host-set.js';
import { cluster, simple } from '../upstream/lb/test-support.js';
import { OutlierDetector } from '../upstream/outlier/detector.js';
import { DEFAULT_OUTLIER_DETECTION } from '../upstream/outlier/types.js';
import { RetryState } from './retry-state.js';
import { type AttemptHooks, UpstreamAttempts } from './upstream-attempts.js';

const highest: Random = { next: () => 0.9999, nextInt: (n) => n - 1, nextU32: () => 0 };

function policy(over: Partial<RetryPolicy>): RetryPolicy {
  return {
    retryOn: ['5xx'],
    numRetries: 2,
    perTryTimeoutMs: 0,
    perTryIdleTimeoutMs: 0,
    retriableStatusCodes: [],
    retriableHeaders: [],
    retriableRequestHeaders: [],
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    avoidPreviousHosts: true,
    hostSelectionRetryMaxAttempts: 1,
    ...over,
  };
}

function harness(p: Partial<RetryPolicy>, perTryTimeoutMs = 0) {
  const clock = new VirtualClock();
  const store = new StatsStore();
  const c = cluster('ROUND_ROBIN');
  const hostSet = new HostSet(c, simple(3));
  const outlier = new OutlierDetector(
    { ...DEFAULT_OUTLIER_DETECTION, consecutive5xx: 2, maxEjectionPercent: 100 },
    hostSet,
    {
      clock,
      random: highest,
      store,
      statPrefix: 'cluster.c',
      clusterName: 'c',
    },
  );
  const log: string[] = [];
  const state = new RetryState(policy(p), { random: highest });
  let next = 0;
  const hooks: AttemptHooks = {
    startAttempt(n) {
      // A stand-in balancer: the first host not avoided.
      const avoid = state.lbContext().avoid;
      const host = hostSet.hosts.find((h) => !avoid?.has(h)) ?? hostSet.hosts[next++ % 3];
      log.push(`start ${n} ${host.key} @${clock.now()}`);
      attempts.attemptStarted(host);
    },
    abortAttempt() {
      log.push(`abort @${clock.now()}`);
    },
    perTryTimedOut(d) {
      log.push(`504 UT${!d.retry && d.flag ? ` ${d.flag}` : ''} @${clock.now()}`);
    },
  };
  const attempts = new UpstreamAttempts(state, hooks, {
    clock,
    perTryTimeoutMs,
    outlier,
    perTryTimeoutCounter: store.counter('cluster.c.upstream_rq_per_try_timeout'),
  });
  return { clock, store, hostSet, attempts, hooks, log, outlier };
}

test('a 5xx is retried on another host after the back-off; the success is forwarded', () => {
  const h = harness({});
  h.hooks.startAttempt(1);
  h.clock.advance(10);
  assert.equal(h.attempts.onResponseHead(503, []).retry, true);
  assert.equal(h.attempts.waiting, true);
  h.clock.advance(24);
  assert.deepEqual(h.log, ['start 1 10.0.0.1:1 @0', 'abort @10', 'start 2 10.0.0.1:2 @34']);
  const d = h.attempts.onResponseHead(200, []);
  assert.deepEqual(d, { retry: false, reason: 'not-retriable' });
  h.attempts.finish();
  assert.equal(h.clock.pendingTimers, 0);
});

test('per-try timeouts: retried while retries last, then 504 UT with URX', () => {
  const h = harness({ retryOn: ['5xx'], numRetries: 1 }, 100);
  h.hooks.startAttempt(1);
  h.clock.advance(100);
  h.clock.advance(24); // back-off
  h.clock.advance(100);
  assert.deepEqual(h.log, [
    'start 1 10.0.0.1:1 @0',
    'abort @100',
    'start 2 10.0.0.1:2 @124',
    'abort @224',
    '504 UT URX @224',
  ]);
  assert.equal(h.store.counters.get('cluster.c.upstream_rq_per_try_timeout')?.value, 2);
});

test('a per-try timeout under a policy that does not retry timeouts answers at once', () => {
  const h = harness({ retryOn: ['connect-failure'] }, 50);
  h.hooks.startAttempt(1);
  h.clock.advance(50);
  assert.deepEqual(h.log, ['start 1 10.0.0.1:1 @0', 'abort @50', '504 UT @50']);
});

test('each attempt reports to the outlier detector: 5xx and local failures', () => {
  const h = harness({ retryOn: ['5xx', 'connect-failure'], numRetries: 0, avoidPreviousHosts: false });
  const host = h.hostSet.hosts[0];
  h.hooks.startAttempt(1);
  h.attempts.onAttemptFailed({ kind: 'connect-failure' });
  h.hooks.startAttempt(1);
  h.attempts.onResponseHead(500, []);
  assert.equal(h.outlier.isEjected(host), true, 'a connect failure and a 500: two consecutive 5xx');
});

test('a body beyond the buffer limit stops retries', () => {
  const h = harness({ retryOn: ['reset'] });
  h.hooks.startAttempt(1);
  h.attempts.body!.append(Buffer.alloc(2 * 1024 * 1024));
  const d = h.attempts.onAttemptFailed({ kind: 'reset', requestSent: true });
  assert.deepEqual(d, { retry: false, reason: 'body-not-buffered' });
});

test('finish() cancels a pending retry', () => {
  const h = harness({});
  h.hooks.startAttempt(1);
  h.attempts.onResponseHead(502, []);
  h.attempts.finish();
  h.clock.advance(1000);
  assert.deepEqual(h.log, ['start 1 10.0.0.1:1 @0', 'abort @0']);
});
