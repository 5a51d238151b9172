// Request timeouts: route vs gRPC deadline, per-try limits, trusted override headers, upstream headers
// with what is left, grpc-timeout encoding, and the replies each timeout sends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attemptTimeoutHeaders,
  computeTimeouts,
  formatGrpcTimeout,
  parseGrpcTimeoutMs,
  type TimeoutInputs,
  timeoutReply,
} from './timeout-policy.js';

const base: TimeoutInputs = { routeTimeoutMs: 15_000, isGrpc: false, headers: [], trustEnvoyHeaders: false };

test('grpc-timeout parses every unit, rounding up to whole ms, and rejects malformed values', () => {
  assert.equal(parseGrpcTimeoutMs('2H'), 7_200_000);
  assert.equal(parseGrpcTimeoutMs('3M'), 180_000);
  assert.equal(parseGrpcTimeoutMs('5S'), 5000);
  assert.equal(parseGrpcTimeoutMs('250m'), 250);
  assert.equal(parseGrpcTimeoutMs('1500u'), 2);
  assert.equal(parseGrpcTimeoutMs('1n'), 1);
  for (const bad of ['', '5', 's5', '123456789m', '-1S', '1.5S'])
    assert.equal(parseGrpcTimeoutMs(bad), undefined, bad);
  assert.equal(formatGrpcTimeout(250), '250m');
  assert.equal(formatGrpcTimeout(200_000_000), '200000S');
  assert.equal(parseGrpcTimeoutMs(formatGrpcTimeout(123_456)), 123_456);
});

test('the route timeout applies; a gRPC deadline replaces it, capped by the route maximum', () => {
  assert.equal(computeTimeouts(base).globalMs, 15_000);
  const grpc = { ...base, isGrpc: true, headers: ['grpc-timeout', '2S'] };
  assert.equal(computeTimeouts(grpc).globalMs, 15_000, 'no max_grpc_timeout: the header is ignored');
  assert.equal(computeTimeouts({ ...grpc, grpcTimeoutHeaderMaxMs: 0 }).globalMs, 2000);
  assert.equal(computeTimeouts({ ...grpc, grpcTimeoutHeaderMaxMs: 500 }).globalMs, 500);
  assert.equal(computeTimeouts({ ...grpc, headers: [], grpcTimeoutHeaderMaxMs: 500 }).globalMs, 15_000);
});

test('per-try timeouts apply only when shorter than the whole request', () => {
  assert.equal(computeTimeouts({ ...base, perTryTimeoutMs: 1000 }).perTryMs, 1000);
  assert.equal(computeTimeouts({ ...base, perTryTimeoutMs: 20_000 }).perTryMs, 0);
  assert.equal(computeTimeouts({ ...base, routeTimeoutMs: 0, perTryTimeoutMs: 20_000 }).perTryMs, 20_000);
});

test('x-envoy-upstream-rq-timeout-ms headers override only for trusted requests', () => {
  const h = ['x-envoy-upstream-rq-timeout-ms', '300', 'x-envoy-upstream-rq-per-try-timeout-ms', '100'];
  assert.deepEqual(
    [computeTimeouts({ ...base, headers: h }).globalMs, computeTimeouts({ ...base, headers: h }).perTryMs],
    [15_000, 0],
  );
  const t = computeTimeouts({ ...base, headers: h, trustEnvoyHeaders: true });
  assert.deepEqual([t.globalMs, t.perTryMs], [300, 100]);
});

test('stream idle and max stream duration: the route overrides the connection manager', () => {
  const t = computeTimeouts({
    ...base,
    streamIdleTimeoutMs: 300_000,
    routeIdleTimeoutMs: 5000,
    maxStreamDurationMs: 60_000,
  });
  assert.deepEqual([t.streamIdleMs, t.maxStreamDurationMs], [5000, 60_000]);
  assert.equal(
    computeTimeouts({ ...base, maxStreamDurationMs: 60_000, routeMaxStreamDurationMs: 10 })
      .maxStreamDurationMs,
    10,
  );
});

test('each attempt tells the upstream what is left; gRPC deadlines are propagated as grpc-timeout', () => {
  const t = computeTimeouts({ ...base, routeTimeoutMs: 1000, perTryTimeoutMs: 300 });
  assert.deepEqual(attemptTimeoutHeaders(t, 0, false), ['x-envoy-expected-rq-timeout-ms', '300']);
  assert.deepEqual(attemptTimeoutHeaders(t, 800, false), ['x-envoy-expected-rq-timeout-ms', '200']);
  const g = computeTimeouts({
    ...base,
    isGrpc: true,
    grpcTimeoutHeaderMaxMs: 0,
    headers: ['grpc-timeout', '2S'],
  });
  assert.deepEqual(attemptTimeoutHeaders(g, 500, true), [
    'x-envoy-expected-rq-timeout-ms',
    '1500',
    'grpc-timeout',
    '1500m',
  ]);
  assert.deepEqual(attemptTimeoutHeaders(computeTimeouts({ ...base, routeTimeoutMs: 0 }), 10, false), []);
});

test('timeouts before the response answer as Envoy does', () => {
  assert.deepEqual(timeoutReply('global'), {
    status: 504,
    body: 'upstream request timeout',
    flag: 'UT',
    details: 'upstream_response_timeout',
  });
  assert.equal(timeoutReply('per-try').flag, 'UT');
  assert.equal(timeoutReply('stream-idle').status, 408);
  assert.equal(timeoutReply('max-stream-duration').flag, 'DT');
});
