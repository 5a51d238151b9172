// RequestFilters against a stand-in exchange on virtual time: a delayed request continues after the
// delay, an abort replies with FI (and the gRPC status for gRPC), a limited one with RL and its headers,
// and ending the request cancels the delay and frees the fault slot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../../common/clock.js';
import { SeededRandom } from '../../../common/random.js';
import type { HttpFilter } from '../../config/listener.js';
import { emptyHeaderOps } from '../../config/route.js';
import type { CompiledRoute } from '../../router/compiled-route.js';
import { applyHeaderOps, type CompiledHeaderOps } from '../../router/header-ops.js';
import { StatsStore } from '../../stats/store.js';
import { type FilteredExchange, RequestFilters } from './request-filters.js';
import { HttpResilienceFilters } from './resilience-filters.js';

const FAULT = 'envoy.extensions.filters.http.fault.v3.HTTPFault';
const RL = 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const ALL = { default_value: { numerator: 100 } };

function exchange(isGrpc = false) {
  const replies: { status: number; body: string; flag: string; headers: string[]; grpc: number }[] = [];
  const ex: FilteredExchange = {
    authority: 'a',
    path: '/',
    method: 'GET',
    scheme: 'http',
    headers: [],
    isGrpc,
    remoteAddress: '127.0.0.1',
    remotePort: 5000,
    exchangeDone: false,
    grpcStatusOverride: -1,
    flags: [] as string[],
    addFlag(f: string) {
      (this as unknown as { flags: string[] }).flags.push(f);
    },
    localReply(status: number, body: string, flag: string, _details: string, ops?: CompiledHeaderOps) {
      const headers: string[] = [];
      if (ops) applyHeaderOps(headers, ops);
      replies.push({ status, body, flag, headers, grpc: this.grpcStatusOverride });
      this.exchangeDone = true;
    },
  } as FilteredExchange & { flags: string[] };
  return { ex: ex as FilteredExchange & { flags: string[] }, replies };
}

function compiledRoute(perFilterConfig: Record<string, unknown>): CompiledRoute {
  return {
    vhostName: 'vh',
    route: {
      name: 'r',
      match: {
        path: { kind: 'prefix', value: '/' },
        caseSensitive: true,
        headers: [],
        queryParameters: [],
        grpc: false,
      },
      action: { kind: 'direct', status: 200 },
      headers: emptyHeaderOps(),
      perFilterConfig,
    },
  } as unknown as CompiledRoute;
}

function chain(clock: VirtualClock, store: StatsStore, rl: Record<string, unknown>) {
  const f = (name: string, typeName: string, config: Record<string, unknown>): HttpFilter => ({
    name,
    typeName,
    config: { '@type': `type.googleapis.com/${typeName}`, ...config },
    disabled: false,
  });
  return HttpResilienceFilters.fromConfig(
    [
      f('envoy.filters.http.fault', FAULT, {}),
      f('envoy.filters.http.local_ratelimit', RL, { stat_prefix: 'rl', ...rl }),
    ],
    { clock, store, statPrefix: 'in' },
  )!;
}

test('a delayed request continues after the delay with DI; end() frees the fault', () => {
  const clock = new VirtualClock();
  const store = new StatsStore();
  const { ex } = exchange();
  const rf = new RequestFilters(chain(clock, store, {}), ex, clock, new SeededRandom(1));
  const route = compiledRoute({
    'envoy.filters.http.fault': {
      '@type': `type.googleapis.com/${FAULT}`,
      delay: { fixed_delay: '0.3s', percentage: { numerator: 100 } },
    },
  });
  let proceeded = -1;
  assert.equal(
    rf.run(route, undefined, 'c', () => {
      proceeded = clock.now();
    }),
    false,
  );
  assert.deepEqual(ex.flags, ['DI']);
  clock.advance(299);
  assert.equal(proceeded, -1);
  clock.advance(1);
  assert.equal(proceeded, 300);
  assert.equal(store.gauges.get('http.in.fault.active_faults')?.value, 1);
  rf.end();
  assert.equal(store.gauges.get('http.in.fault.active_faults')?.value, 0);
});

test('an exchange that ended during the delay is not continued', () => {
  const clock = new VirtualClock();
  const { ex } = exchange();
  const rf = new RequestFilters(chain(clock, new StatsStore(), {}), ex, clock, new SeededRandom(1));
  const route = compiledRoute({
    'envoy.filters.http.fault': {
      '@type': `type.googleapis.com/${FAULT}`,
      delay: { fixed_delay: '1s', percentage: { numerator: 100 } },
    },
  });
  rf.run(route, undefined, 'c', () => assert.fail('continued'));
  ex.exchangeDone = true;
  rf.end();
  clock.advance(2000);
});

test('gRPC aborts reply with the configured grpc-status; rate limits with RL and x-envoy-ratelimited', () => {
  const clock = new VirtualClock();
  const { ex, replies } = exchange(true);
  const rf = new RequestFilters(
    chain(clock, new StatsStore(), {
      token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '60s' },
      filter_enabled: ALL,
      filter_enforced: ALL,
    }),
    ex,
    clock,
    new SeededRandom(1),
  );
  const abort = compiledRoute({
    'envoy.filters.http.fault': {
      '@type': `type.googleapis.com/${FAULT}`,
      abort: { grpc_status: 8, percentage: { numerator: 100 } },
    },
  });
  assert.equal(
    rf.run(abort, undefined, 'c', () => {}),
    false,
  );
  assert.deepEqual(replies[0], { status: 200, body: 'fault filter abort', flag: 'FI', headers: [], grpc: 8 });
  const plain = compiledRoute({});
  const second = exchange();
  const rf2 = new RequestFilters(
    chain(clock, new StatsStore(), {
      token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '60s' },
      filter_enabled: ALL,
      filter_enforced: ALL,
    }),
    second.ex,
    clock,
    new SeededRandom(1),
  );
  assert.equal(
    rf2.run(plain, undefined, 'c', () => {}),
    true,
  );
  second.ex.exchangeDone = false;
  assert.equal(
    rf2.run(plain, undefined, 'c', () => {}),
    false,
  );
  assert.deepEqual(second.replies[0], {
    status: 429,
    body: 'local_rate_limited',
    flag: 'RL',
    headers: ['x-envoy-ratelimited', 'true'],
    grpc: 14, // used only if the request is gRPC: UNAVAILABLE
  });
});
