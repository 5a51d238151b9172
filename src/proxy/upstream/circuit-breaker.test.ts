// Circuit breakers: thresholds per priority, remaining/open gauges, retry budgets, and a slow upstream behind
// max_pending_requests 1 on virtual time (extra concurrent requests overflow at once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import type { CircuitBreakerThresholds } from '../config/cluster.js';
import { StatsStore } from '../stats/store.js';
import { admitRequest, ClusterCircuitBreakers, countOverflow, OVERLOADED_HEADER } from './circuit-breaker.js';

const P = 'cluster.c';

function thresholds(over: Partial<CircuitBreakerThresholds>): CircuitBreakerThresholds {
  return {
    priority: 'DEFAULT',
    maxConnections: 1024,
    maxPendingRequests: 1024,
    maxRequests: 1024,
    maxRetries: 3,
    ...over,
  };
}

test('Envoy defaults apply to a priority without thresholds; gauges show remaining capacity', () => {
  const store = new StatsStore();
  const cb = new ClusterCircuitBreakers([thresholds({ maxRequests: 2 })], store, P);
  assert.equal(cb.high.thresholds.maxRequests, 1024);
  assert.equal(cb.high.thresholds.maxRetries, 3);
  const g = (n: string) => store.gauges.get(`${P}.circuit_breakers.default.${n}`)?.value;
  assert.equal(g('remaining_rq'), 2);
  assert.equal(g('rq_open'), 0);
  cb.default.requestStarted();
  assert.equal(g('remaining_rq'), 1);
  cb.default.requestStarted();
  assert.equal(g('remaining_rq'), 0);
  assert.equal(g('rq_open'), 1);
  assert.equal(cb.default.requests.canCreate(), false);
  cb.default.requestEnded();
  assert.equal(g('rq_open'), 0);
  assert.equal(g('remaining_retries'), 3);
  assert.equal(store.gauges.get(`${P}.circuit_breakers.high.remaining_rq`)?.value, 1024);
});

test('a retry budget replaces max_retries: a percentage of active + pending, at least min concurrency', () => {
  const cb = new ClusterCircuitBreakers(
    [thresholds({ maxRetries: 1, retryBudget: { budgetPercent: 20, minRetryConcurrency: 3 } })],
    new StatsStore(),
    P,
  );
  const rm = cb.default;
  assert.equal(rm.retries.max, 3);
  for (let i = 0; i < 20; i++) rm.requestStarted();
  for (let i = 0; i < 5; i++) rm.pendingStarted();
  assert.equal(rm.retries.max, 5); // 20 % of 25
  for (let i = 0; i < 5; i++) rm.retries.inc();
  assert.equal(rm.retries.canCreate(), false);
});

test('a pool with no connection may open one even at the cluster connection limit', () => {
  const cb = new ClusterCircuitBreakers(
    [thresholds({ maxConnections: 1, maxPendingRequests: 0 })],
    undefined,
    P,
  );
  cb.default.connections.inc();
  assert.deepEqual(admitRequest(cb.default, { idleConnections: 0, connections: 0 }), { kind: 'connect' });
  assert.deepEqual(admitRequest(cb.default, { idleConnections: 0, connections: 1 }), {
    kind: 'overflow',
    reason: 'max_pending_requests',
  });
  assert.deepEqual(admitRequest(cb.default, { idleConnections: 1, connections: 1 }), { kind: 'idle' });
});

/** A host pool model over the breakers: one request per connection, `serviceMs` per request. */
function slowPool(clock: VirtualClock, cb: ClusterCircuitBreakers, serviceMs: number) {
  const rm = cb.default;
  let idle = 0;
  let open = 0;
  const queue: (() => void)[] = [];
  const log: string[] = [];
  const serve = (id: number) => {
    clock.setTimeout(() => {
      log.push(`${id}:200@${clock.now()}`);
      rm.requestEnded();
      const next = queue.shift();
      if (next) next();
      else idle++;
    }, serviceMs);
  };
  return {
    log,
    send(id: number): void {
      const a = admitRequest(rm, { idleConnections: idle, connections: open });
      if (a.kind === 'overflow') {
        countOverflow(cb, a.reason);
        log.push(`${id}:503 UO ${OVERLOADED_HEADER}@${clock.now()}`);
        return;
      }
      if (a.kind === 'queue') {
        rm.pendingStarted();
        queue.push(() => {
          rm.pendingEnded();
          rm.requestStarted();
          serve(id);
        });
        return;
      }
      if (a.kind === 'idle') idle--;
      else {
        open++;
        rm.connections.inc();
      }
      rm.requestStarted();
      serve(id);
    },
  };
}

test('max_pending_requests 1 and a slow upstream: extra concurrent requests get 503 UO immediately', () => {
  const clock = new VirtualClock();
  const store = new StatsStore();
  const cb = new ClusterCircuitBreakers([thresholds({ maxConnections: 1, maxPendingRequests: 1 })], store, P);
  const pool = slowPool(clock, cb, 1000);
  for (let id = 1; id <= 5; id++) pool.send(id);
  // Requests 3..5 are refused at t=0, before the upstream answers anything.
  assert.deepEqual(pool.log, [
    `3:503 UO ${OVERLOADED_HEADER}@0`,
    `4:503 UO ${OVERLOADED_HEADER}@0`,
    `5:503 UO ${OVERLOADED_HEADER}@0`,
  ]);
  assert.equal(store.counters.get(`${P}.upstream_rq_pending_overflow`)?.value, 3);
  assert.equal(store.gauges.get(`${P}.circuit_breakers.default.rq_pending_open`)?.value, 1);
  assert.equal(store.gauges.get(`${P}.circuit_breakers.default.remaining_pending`)?.value, 0);
  clock.advance(2000);
  assert.deepEqual(pool.log.slice(3), ['1:200@1000', '2:200@2000']);
  assert.equal(store.gauges.get(`${P}.circuit_breakers.default.remaining_pending`)?.value, 1);
  // Once the queue is empty a new request is admitted again.
  pool.send(6);
  clock.advance(1000);
  assert.equal(pool.log.at(-1), '6:200@3000');
});

test('max_requests overflows before any connection is considered', () => {
  const cb = new ClusterCircuitBreakers([thresholds({ maxRequests: 1 })], undefined, P);
  cb.default.requestStarted();
  assert.deepEqual(admitRequest(cb.default, { idleConnections: 3, connections: 3 }), {
    kind: 'overflow',
    reason: 'max_requests',
  });
});
