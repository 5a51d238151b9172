// The fault and local rate limit filters as one chain: config order, route and virtual host overrides,
// delays that resume the rest of the chain, replies with flags, and active faults released at the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../../common/clock.js';
import { SeededRandom } from '../../../common/random.js';
import type { HttpFilter } from '../../config/listener.js';
import { emptyHeaderOps, type Route, type RouteConfiguration } from '../../config/route.js';
import { StatsStore } from '../../stats/store.js';
import { type ActiveFault, type FilterRequest, HttpResilienceFilters } from './resilience-filters.js';

const FAULT = 'envoy.extensions.filters.http.fault.v3.HTTPFault';
const RL = 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const ALL = { default_value: { numerator: 100 } };

function filter(name: string, typeName: string, config: Record<string, unknown>): HttpFilter {
  return {
    name,
    typeName,
    config: { '@type': `type.googleapis.com/${typeName}`, ...config },
    disabled: false,
  };
}

const router: HttpFilter = {
  name: 'envoy.filters.http.router',
  typeName: 'envoy.extensions.filters.http.router.v3.Router',
  config: undefined,
  disabled: false,
};

function routeWith(perFilterConfig: Record<string, unknown>): Route {
  return {
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
  };
}

const req: FilterRequest = {
  authority: 'a',
  path: '/',
  method: 'GET',
  scheme: 'http',
  headers: [],
  isGrpc: false,
};

test('no fault or rate limit filter: nothing to build', () => {
  const clock = new VirtualClock();
  assert.equal(
    HttpResilienceFilters.fromConfig([router], { clock, store: new StatsStore(), statPrefix: 'x' }),
    undefined,
  );
});

test('a fault delay holds the request, then the rate limiter after it runs; overrides come from the route', () => {
  const clock = new VirtualClock();
  const store = new StatsStore();
  const chain = HttpResilienceFilters.fromConfig(
    [
      filter('envoy.filters.http.fault', FAULT, {}),
      filter('envoy.filters.http.local_ratelimit', RL, {
        stat_prefix: 'rl',
        token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '60s' },
        filter_enabled: ALL,
        filter_enforced: ALL,
      }),
      router,
    ],
    { clock, store, statPrefix: 'ingress' },
  )!;
  const route = routeWith({
    'envoy.filters.http.fault': {
      '@type': `type.googleapis.com/${FAULT}`,
      delay: { fixed_delay: '2s', percentage: { numerator: 100 } },
    },
  });
  const random = new SeededRandom(1);
  const faults: ActiveFault[] = [];
  const first = chain.onRequest(req, route, 'vh', undefined, 'c', random, undefined, faults);
  assert.equal(first.delayMs, 2000);
  assert.equal(first.reply, undefined);
  assert.equal(store.gauges.get('http.ingress.fault.active_faults')?.value, 1);
  const after = first.resume!();
  assert.equal(after.reply, undefined, 'the one token is available');
  chain.end(faults);
  assert.equal(store.gauges.get('http.ingress.fault.active_faults')?.value, 0);
  const second = chain.onRequest(req, route, 'vh', undefined, 'c', random, undefined, faults).resume!();
  assert.deepEqual(second.reply, {
    status: 429,
    body: 'local_rate_limited',
    flag: 'RL',
    details: 'local_rate_limited',
    headers: ['x-envoy-ratelimited', 'true'],
    grpcStatus: 14,
  });
});

test('a virtual host override applies when the route has none; aborts reply with FI', () => {
  const clock = new VirtualClock();
  const chain = HttpResilienceFilters.fromConfig([filter('fault', FAULT, {}), router], {
    clock,
    store: new StatsStore(),
    statPrefix: 'ingress',
  })!;
  const routes: RouteConfiguration = {
    name: 'rc',
    headers: emptyHeaderOps(),
    virtualHosts: [
      {
        name: 'vh',
        domains: ['*'],
        routes: [],
        headers: emptyHeaderOps(),
        perFilterConfig: {
          fault: {
            '@type': `type.googleapis.com/${FAULT}`,
            abort: { grpc_status: 14, percentage: { numerator: 100 } },
          },
        },
      },
    ],
  };
  const faults: ActiveFault[] = [];
  const out = chain.onRequest(req, routeWith({}), 'vh', routes, 'c', new SeededRandom(1), undefined, faults);
  assert.equal(out.reply?.flag, 'FI');
  assert.equal(out.reply?.status, 200);
  assert.equal(out.reply?.grpcStatus, 14);
  assert.equal(out.reply?.body, 'fault filter abort');
  assert.equal(faults.length, 1);
});

test('invalid filter config throws with the field path', () => {
  assert.throws(
    () =>
      HttpResilienceFilters.fromConfig(
        [filter('rl', RL, { stat_prefix: 'x', token_bucket: { max_tokens: 1 } })],
        {
          clock: new VirtualClock(),
          store: new StatsStore(),
          statPrefix: 'i',
        },
      ),
    /rl: typed_config.token_bucket.fill_interval: required/,
  );
});
