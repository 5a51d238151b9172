// Retry decisions: every retry_on condition, requests that may have reached the app, limits (URX), the retry
// circuit breaker (UO), previous_hosts, request-header controls, and back-off timing on virtual time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import type { Random } from '../../common/random.js';
import { SeededRandom } from '../../common/random.js';
import type { RetryPolicy } from '../config/route.js';
import { StatsStore } from '../stats/store.js';
import { ClusterCircuitBreakers } from '../upstream/circuit-breaker.js';
import type { Host } from '../upstream/lb/types.js';
import { RetryBodyBuffer } from './retry-body-buffer.js';
import { type AttemptOutcome, RetryState, RetryStats } from './retry-state.js';

function policy(over: Partial<RetryPolicy>): RetryPolicy {
  return {
    retryOn: [],
    numRetries: 2,
    perTryTimeoutMs: 0,
    perTryIdleTimeoutMs: 0,
    retriableStatusCodes: [],
    retriableHeaders: [],
    retriableRequestHeaders: [],
    backoffBaseMs: 25,
    backoffMaxMs: 250,
    avoidPreviousHosts: false,
    hostSelectionRetryMaxAttempts: 1,
    ...over,
  };
}

const seeded = (): Random => new SeededRandom(1);
const resp = (status: number, ...headers: string[]): AttemptOutcome => ({
  kind: 'response',
  status,
  headers,
});
const would = (retryOn: string, o: AttemptOutcome, over: Partial<RetryPolicy> = {}): boolean =>
  new RetryState(policy({ retryOn: retryOn.split(','), ...over }), { random: seeded() }).wouldRetry(o);

test('response conditions: 5xx, gateway-error, retriable-4xx, retriable-status-codes, retriable-headers', () => {
  assert.equal(would('5xx', resp(500)), true);
  assert.equal(would('5xx', resp(404)), false);
  assert.equal(would('gateway-error', resp(500)), false);
  for (const s of [502, 503, 504]) assert.equal(would('gateway-error', resp(s)), true);
  assert.equal(would('retriable-4xx', resp(409)), true);
  assert.equal(would('retriable-4xx', resp(429)), false);
  assert.equal(would('retriable-status-codes', resp(418), { retriableStatusCodes: [418] }), true);
  assert.equal(would('retriable-status-codes', resp(419), { retriableStatusCodes: [418] }), false);
  const retriableHeaders: RetryPolicy['retriableHeaders'] = [
    {
      name: 'x-upstream-retry',
      match: { kind: 'present', present: true },
      invert: false,
      treatMissingAsEmpty: false,
    },
  ];
  assert.equal(would('retriable-headers', resp(200, 'x-upstream-retry', '1'), { retriableHeaders }), true);
  assert.equal(would('retriable-headers', resp(200), { retriableHeaders }), false);
  // A response from a rate-limiting Envoy is retried only under envoy-ratelimited.
  assert.equal(would('5xx', resp(503, 'x-envoy-ratelimited', 'true')), false);
  assert.equal(would('envoy-ratelimited', resp(429, 'x-envoy-ratelimited', 'true')), true);
});

test('gRPC conditions read grpc-status from the response headers', () => {
  const g = (code: number) => resp(200, 'content-type', 'application/grpc', 'grpc-status', String(code));
  assert.equal(would('cancelled', g(1)), true);
  assert.equal(would('deadline-exceeded', g(4)), true);
  assert.equal(would('resource-exhausted', g(8)), true);
  assert.equal(would('internal', g(13)), true);
  assert.equal(would('unavailable', g(14)), true);
  assert.equal(would('unavailable', g(13)), false);
  assert.equal(would('cancelled,internal', g(0)), false);
});

test('failures before a response: only retried as retry_on allows, never twice to the app unless it says so', () => {
  const connect: AttemptOutcome = { kind: 'connect-failure' };
  const refused: AttemptOutcome = { kind: 'refused-stream' };
  const resetSent: AttemptOutcome = { kind: 'reset', requestSent: true };
  const resetUnsent: AttemptOutcome = { kind: 'reset', requestSent: false };
  const timeout: AttemptOutcome = { kind: 'per-try-timeout' };
  // Istio's default retry_on: nothing that may have reached the app is retried.
  const istio = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
  assert.equal(would(istio, connect), true);
  assert.equal(would(istio, refused), true);
  assert.equal(would(istio, resetSent), false);
  assert.equal(would(istio, resetUnsent), false);
  assert.equal(would(istio, timeout), false);
  assert.equal(would('connect-failure', refused), false);
  assert.equal(would('refused-stream', connect), false);
  assert.equal(would('reset-before-request', resetUnsent), true);
  assert.equal(would('reset-before-request', resetSent), false);
  for (const on of ['reset', '5xx', 'gateway-error']) {
    const all: AttemptOutcome[] = [connect, refused, resetSent, resetUnsent, timeout];
    assert.deepEqual(
      all.map((outcome) => would(on, outcome)),
      [true, true, true, true, true],
      on,
    );
  }
  // Pool overflow is never retried.
  assert.equal(would('5xx,reset,connect-failure', { kind: 'overflow' }), false);
});

test('a POST whose body reached the upstream is not retried on a reset unless retry_on allows it', () => {
  const body = new RetryBodyBuffer(1024);
  body.append(Buffer.from('{"order":1}'));
  body.end();
  const resetAfterBody: AttemptOutcome = { kind: 'reset', requestSent: true };
  const cautious = new RetryState(
    policy({ retryOn: ['connect-failure', 'refused-stream', 'reset-before-request'] }),
    {
      random: seeded(),
    },
  );
  assert.deepEqual(cautious.decide(resetAfterBody, body.buffered), { retry: false, reason: 'not-retriable' });
  assert.equal(cautious.attemptCount, 1);
  const permissive = new RetryState(policy({ retryOn: ['reset'] }), { random: seeded() });
  const d = permissive.decide(resetAfterBody, body.buffered);
  assert.equal(d.retry, true);
  assert.equal(permissive.attemptCount, 2);
});

test('a body beyond the retry buffer limit disables retries and is counted as abandoned', () => {
  const store = new StatsStore();
  const stats = new RetryStats(store, 'cluster.c');
  const body = new RetryBodyBuffer(8, () => stats.abandoned.inc());
  assert.equal(body.append(Buffer.from('12345')), true);
  assert.equal(body.append(Buffer.from('67890')), false);
  assert.equal(body.buffered, false);
  assert.equal(body.bytes, 0);
  const s = new RetryState(policy({ retryOn: ['connect-failure'] }), { random: seeded(), stats });
  assert.deepEqual(s.decide({ kind: 'connect-failure' }, body.buffered), {
    retry: false,
    reason: 'body-not-buffered',
  });
  assert.equal(store.counters.get('cluster.c.retry_or_shadow_abandoned')?.value, 1);
});

test('retries run out after num_retries with flag URX; stats count each retry', () => {
  const store = new StatsStore();
  const stats = new RetryStats(store, 'cluster.c');
  const s = new RetryState(policy({ retryOn: ['5xx'], numRetries: 2 }), { random: seeded(), stats });
  assert.equal(s.decide(resp(503)).retry, true);
  assert.equal(s.decide(resp(503)).retry, true);
  assert.deepEqual(s.decide(resp(503)), { retry: false, reason: 'limit-exceeded', flag: 'URX' });
  assert.equal(s.attemptCount, 3);
  const c = (n: string) => store.counters.get(`cluster.c.${n}`)?.value;
  assert.equal(c('upstream_rq_retry'), 2);
  assert.equal(c('upstream_rq_retry_limit_exceeded'), 1);
  assert.equal(c('upstream_rq_retry_backoff_exponential'), 2);
  const ok = new RetryState(policy({ retryOn: ['5xx'] }), { random: seeded(), stats });
  ok.decide(resp(500));
  assert.deepEqual(ok.decide(resp(200)), { retry: false, reason: 'not-retriable' });
  assert.equal(c('upstream_rq_retry_success'), 1);
});

test('the max_retries breaker refuses a retry with flag UO and the slot is freed by the next decision', () => {
  const cb = new ClusterCircuitBreakers(
    [{ priority: 'DEFAULT', maxConnections: 9, maxPendingRequests: 9, maxRequests: 9, maxRetries: 1 }],
    undefined,
    'cluster.c',
  );
  const a = new RetryState(policy({ retryOn: ['5xx'] }), { random: seeded(), resources: cb.default });
  const b = new RetryState(policy({ retryOn: ['5xx'] }), { random: seeded(), resources: cb.default });
  assert.equal(a.decide(resp(503)).retry, true);
  assert.equal(cb.default.retries.count, 1);
  assert.deepEqual(b.decide(resp(503)), { retry: false, reason: 'overflow', flag: 'UO' });
  a.decide(resp(200)); // a's retry is answered: its slot returns
  assert.equal(cb.default.retries.count, 0);
  assert.equal(b.decide(resp(503)).retry, true);
  b.destroy();
  assert.equal(cb.default.retries.count, 0);
});

test('an upstream x-envoy-overloaded response is never retried', () => {
  const s = new RetryState(policy({ retryOn: ['5xx'] }), { random: seeded() });
  assert.deepEqual(s.decide(resp(503, 'x-envoy-overloaded', 'true')), {
    retry: false,
    reason: 'upstream-overloaded',
  });
});

test('previous_hosts: attempted hosts are avoided by the next pick', () => {
  const h1 = { key: '10.0.0.1:80' } as Host;
  const h2 = { key: '10.0.0.2:80' } as Host;
  const s = new RetryState(
    policy({ retryOn: ['5xx'], avoidPreviousHosts: true, hostSelectionRetryMaxAttempts: 3 }),
    {
      random: seeded(),
    },
  );
  assert.equal(s.lbContext().avoid, undefined);
  s.onHostAttempted(h1);
  assert.deepEqual([...(s.lbContext({ hash: 7n }).avoid ?? [])], [h1]);
  assert.equal(s.lbContext({ hash: 7n }).hash, 7n);
  assert.equal(s.shouldSelectAnotherHost(h1), true);
  assert.equal(s.shouldSelectAnotherHost(h2), false);
  assert.equal(s.hostSelectionMaxAttempts, 3);
  const plain = new RetryState(policy({ retryOn: ['5xx'] }), { random: seeded() });
  plain.onHostAttempted(h1);
  assert.equal(plain.lbContext().avoid, undefined);
});

test('request headers: x-envoy-retry-on without a policy, x-envoy-max-retries, retriable_request_headers', () => {
  const req = (method: string, ...headers: string[]) => ({
    authority: 'a',
    path: '/',
    scheme: 'http',
    method,
    headers,
  });
  const untrusted = new RetryState(undefined, {
    random: seeded(),
    request: req('GET', 'x-envoy-retry-on', '5xx'),
  });
  assert.equal(untrusted.enabled, false);
  const byHeader = new RetryState(undefined, {
    random: seeded(),
    request: req('GET', 'x-envoy-retry-on', '5xx'),
    trustRetryHeaders: true,
  });
  assert.equal(byHeader.enabled, true);
  assert.equal(byHeader.retriesLeft, 1);
  assert.deepEqual(new RetryState(undefined, { random: seeded() }).decide(resp(503)), {
    retry: false,
    reason: 'no-policy',
  });
  const max = new RetryState(policy({ retryOn: ['5xx'] }), {
    random: seeded(),
    request: req('GET', 'x-envoy-max-retries', '5', 'x-envoy-retriable-status-codes', '418'),
    trustRetryHeaders: true,
  });
  assert.equal(max.retriesLeft, 5);
  assert.equal(max.wouldRetry(resp(418)), false); // retriable-status-codes is not in retry_on
  const codes = new RetryState(policy({ retryOn: ['retriable-status-codes'] }), {
    random: seeded(),
    request: req('GET', 'x-envoy-retriable-status-codes', '418'),
    trustRetryHeaders: true,
  });
  assert.equal(codes.wouldRetry(resp(418)), true);
  const grpcOn = new RetryState(policy({ retryOn: ['5xx'] }), {
    random: seeded(),
    request: req('POST', 'x-envoy-retry-grpc-on', 'unavailable'),
    trustRetryHeaders: true,
  });
  assert.equal(grpcOn.wouldRetry(resp(200, 'grpc-status', '14')), true);
  const gate: RetryPolicy['retriableRequestHeaders'] = [
    {
      name: ':method',
      match: { kind: 'string', string: { kind: 'exact', value: 'GET', ignoreCase: false } },
      invert: false,
      treatMissingAsEmpty: false,
    },
  ];
  const gatedPolicy = policy({ retryOn: ['5xx'], retriableRequestHeaders: gate });
  assert.equal(new RetryState(gatedPolicy, { random: seeded(), request: req('POST') }).enabled, false);
  assert.equal(new RetryState(gatedPolicy, { random: seeded(), request: req('GET') }).enabled, true);
});

/** Drives one request through scripted attempt outcomes on virtual time; returns each attempt's start. */
function runRequest(clock: VirtualClock, state: RetryState, outcomes: AttemptOutcome[], attemptMs: number) {
  const starts: { at: number; attempt: number }[] = [];
  let final: { status: string; at: number } | undefined;
  const attempt = () => {
    starts.push({ at: clock.now(), attempt: state.attemptCount });
    clock.setTimeout(() => {
      const o = outcomes.shift()!;
      const d = state.decide(o);
      if (d.retry) clock.setTimeout(attempt, d.delayMs);
      else
        final = {
          status: o.kind === 'response' ? `${o.status}${d.flag ? ` ${d.flag}` : ''}` : o.kind,
          at: clock.now(),
        };
    }, attemptMs);
  };
  attempt();
  clock.runAll();
  return { starts, final };
}

test('retries count attempts and wait out jittered exponential back-off on virtual time', () => {
  // Highest draws make the delays exact: 24, 74, 174 ms (ranges [0,25), [0,75), [0,175)).
  const highest: Random = { next: () => 0.9999, nextInt: (n) => n - 1, nextU32: () => 0 };
  const clock = new VirtualClock();
  const s = new RetryState(policy({ retryOn: ['5xx'], numRetries: 3 }), { random: highest });
  const { starts, final } = runRequest(clock, s, [resp(503), resp(503), resp(503), resp(200)], 10);
  assert.deepEqual(starts, [
    { at: 0, attempt: 1 },
    { at: 10 + 24, attempt: 2 },
    { at: 34 + 10 + 74, attempt: 3 },
    { at: 118 + 10 + 174, attempt: 4 },
  ]);
  assert.deepEqual(final, { status: '200', at: 302 + 10 });
});

test('seeded back-off gaps fall in their ranges; exhausted retries end with URX', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const clock = new VirtualClock();
    const s = new RetryState(policy({ retryOn: ['gateway-error'], numRetries: 3 }), {
      random: new SeededRandom(seed),
    });
    const { starts, final } = runRequest(clock, s, [resp(502), resp(503), resp(504), resp(502)], 5);
    assert.equal(starts.length, 4);
    const gaps = starts.slice(1).map((x, i) => x.at - starts[i].at - 5);
    assert.ok(gaps[0] >= 0 && gaps[0] < 25 && gaps[1] < 75 && gaps[2] < 175, `seed ${seed}: ${gaps}`);
    assert.equal(final?.status, '502 URX');
  }
});
