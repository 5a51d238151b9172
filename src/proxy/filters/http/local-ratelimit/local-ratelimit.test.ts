// Local rate limit on virtual time: token bucket fills, 429 with RL and x-envoy-ratelimited, enabled and
// enforced fractions, x-ratelimit-* headers, per-route buckets, per-connection buckets, config errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../../../common/clock.js';
import { SeededRandom } from '../../../../common/random.js';
import { applyHeaderOps } from '../../../router/header-ops.js';
import { StatsStore } from '../../../stats/store.js';
import { decodeLocalRateLimitSettings, type LocalRateLimitSettings } from './config.js';
import { LocalRateLimiter, LocalRateLimitFilter } from './local-ratelimit.js';

const TYPE = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const FULL = { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: 'k' };

function cfg(json: Record<string, unknown>): Record<string, unknown> {
  return { '@type': TYPE, stat_prefix: 'http_local_rate_limiter', ...json };
}

function settings(json: Record<string, unknown>): LocalRateLimitSettings {
  const r = decodeLocalRateLimitSettings(cfg(json));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.value;
}

const bucket = (max: number, perFill: number, interval: string) => ({
  max_tokens: max,
  tokens_per_fill: perFill,
  fill_interval: interval,
});

test('a full bucket serves max_tokens requests, then 429 with x-envoy-ratelimited until the next fill', () => {
  const clock = new VirtualClock();
  const store = new StatsStore();
  const l = new LocalRateLimiter(
    settings({
      token_bucket: bucket(3, 2, '1s'),
      filter_enabled: FULL,
      filter_enforced: FULL,
      response_headers_to_add: [
        { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } },
      ],
    }),
    clock,
    store,
  );
  const r = new SeededRandom(1);
  const statuses = () => Array.from({ length: 4 }, () => l.decide(r).reply?.status ?? 200);
  assert.deepEqual(statuses(), [200, 200, 200, 429]);
  const refused = l.decide(r).reply!;
  assert.equal(refused.body, 'local_rate_limited');
  assert.deepEqual(refused.headers, ['x-envoy-ratelimited', 'true', 'x-local-rate-limit', 'true']);
  assert.equal(refused.grpcStatus, 14);
  clock.advance(999);
  assert.equal(l.decide(r).reply?.status, 429);
  clock.advance(1); // one fill: 2 tokens
  assert.deepEqual(statuses(), [200, 200, 429, 429]);
  clock.advance(10_000); // ten fills, capped at max_tokens 3
  assert.deepEqual(statuses(), [200, 200, 200, 429]);
  const c = (n: string) => store.counters.get(`http_local_rate_limiter.http_local_rate_limit.${n}`)?.value;
  assert.equal(c('ok'), 8);
  assert.equal(c('rate_limited'), 6);
  assert.equal(c('enforced'), 6);
  assert.equal(c('enabled'), 14);
});

test('unset filter_enabled disables the filter; unset filter_enforced only counts', () => {
  const clock = new VirtualClock();
  const r = new SeededRandom(1);
  const off = new LocalRateLimiter(settings({ token_bucket: bucket(1, 1, '1s') }), clock);
  for (let i = 0; i < 5; i++) assert.deepEqual(off.decide(r), {});
  const store = new StatsStore();
  const shadow = new LocalRateLimiter(
    settings({
      token_bucket: bucket(1, 1, '1s'),
      filter_enabled: FULL,
      request_headers_to_add_when_not_enforced: [{ header: { key: 'x-rl-shadow', value: '1' } }],
    }),
    clock,
    store,
  );
  assert.deepEqual(shadow.decide(r), {});
  const d = shadow.decide(r);
  assert.equal(d.reply, undefined);
  assert.ok(d.requestOps);
  const headers: string[] = [];
  applyHeaderOps(headers, d.requestOps);
  assert.deepEqual(headers, ['x-rl-shadow', '1']);
  assert.equal(store.counters.get('http_local_rate_limiter.http_local_rate_limit.rate_limited')?.value, 1);
  assert.equal(store.counters.get('http_local_rate_limiter.http_local_rate_limit.enforced')?.value, 0);
});

test('enabled and enforced fractions are drawn per request from the seeded random', () => {
  const clock = new VirtualClock();
  const l = new LocalRateLimiter(
    settings({
      token_bucket: bucket(1, 1, '3600s'),
      filter_enabled: { default_value: { numerator: 50 } },
      filter_enforced: { default_value: { numerator: 25 } },
    }),
    clock,
  );
  const r = new SeededRandom(11);
  let refused = 0;
  for (let i = 0; i < 10_000; i++) if (l.decide(r).reply) refused++;
  // About 50 % checked, of which (after the one token) 25 % refused: 12.5 %.
  assert.ok(Math.abs(refused / 100 - 12.5) <= 1.5, String(refused));
});

test('x-ratelimit headers: limit, remaining and seconds to the next fill', () => {
  const clock = new VirtualClock();
  const l = new LocalRateLimiter(
    settings({
      token_bucket: bucket(2, 1, '10s'),
      filter_enabled: FULL,
      filter_enforced: FULL,
      enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
    }),
    clock,
  );
  const r = new SeededRandom(1);
  clock.advance(2500);
  assert.deepEqual(l.decide(r).responseHeaders, [
    'x-ratelimit-limit',
    '2',
    'x-ratelimit-remaining',
    '1',
    'x-ratelimit-reset',
    '8',
  ]);
  l.decide(r);
  const refused = l.decide(r).reply!;
  assert.equal(refused.status, 429);
  assert.deepEqual(refused.headers.slice(2), [
    'x-ratelimit-limit',
    '2',
    'x-ratelimit-remaining',
    '0',
    'x-ratelimit-reset',
    '8',
  ]);
});

test('route and virtual host overrides get their own buckets; the route one wins', () => {
  const clock = new VirtualClock();
  const store = new StatsStore();
  const name = 'envoy.filters.http.local_ratelimit';
  const filter = new LocalRateLimitFilter(name, settings({}), clock, store);
  const r = new SeededRandom(1);
  const routeA = {
    [name]: cfg({ token_bucket: bucket(1, 1, '60s'), filter_enabled: FULL, filter_enforced: FULL }),
  };
  const vhost = {
    [name]: cfg({
      token_bucket: bucket(2, 1, '60s'),
      filter_enabled: FULL,
      filter_enforced: FULL,
      status: { code: 503 },
    }),
  };
  assert.deepEqual(
    filter.limiterFor(undefined, undefined)?.decide(r),
    {},
    'the filter-level config has no bucket',
  );
  const a = filter.limiterFor(routeA, vhost)!;
  assert.equal(filter.limiterFor(routeA, vhost), a, 'the same override object keeps its limiter and bucket');
  assert.equal(a.decide(r).reply, undefined);
  assert.equal(a.decide(r).reply?.status, 429);
  const v = filter.limiterFor({}, vhost)!;
  assert.equal(v.decide(r).reply, undefined);
  assert.equal(v.decide(r).reply, undefined);
  assert.equal(v.decide(r).reply?.status, 503);
});

test('per-connection buckets are independent', () => {
  const clock = new VirtualClock();
  const l = new LocalRateLimiter(
    settings({
      token_bucket: bucket(1, 1, '60s'),
      filter_enabled: FULL,
      filter_enforced: FULL,
      local_rate_limit_per_downstream_connection: true,
    }),
    clock,
  );
  const r = new SeededRandom(1);
  const c1 = {};
  const c2 = {};
  assert.equal(l.decide(r, c1).reply, undefined);
  assert.equal(l.decide(r, c1).reply?.status, 429);
  assert.equal(l.decide(r, c2).reply, undefined);
  assert.equal(l.decide(r, '10.0.0.1:5000').reply, undefined);
  assert.equal(l.decide(r, '10.0.0.1:5000').reply?.status, 429);
  assert.equal(l.decide(r, '10.0.0.1:5001').reply, undefined);
});

test('config errors name the field', () => {
  const errs = (json: Record<string, unknown>) => {
    const r = decodeLocalRateLimitSettings(cfg(json));
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };
  assert.deepEqual(errs({ token_bucket: { max_tokens: 1, fill_interval: '0.01s' } }), [
    'typed_config.token_bucket.fill_interval: must be at least 50ms',
  ]);
  assert.deepEqual(errs({ token_bucket: { max_tokens: 1 } }), [
    'typed_config.token_bucket.fill_interval: required',
  ]);
  assert.deepEqual(
    errs({ descriptors: [{ entries: [{ key: 'a', value: 'b' }], token_bucket: bucket(1, 1, '1s') }] }),
    ['typed_config.descriptors: not supported by Trellis'],
  );
  assert.deepEqual(errs({ stat_prefix: '' }), ['typed_config.stat_prefix: required']);
});
