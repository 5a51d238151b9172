// Fault filter: config decoding with field paths, percentages over 10 000 seeded requests, abort status and
// flags, header-controlled faults, conditions, max_active_faults, per-route overrides, stats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../../../common/random.js';
import type { RouteRequest } from '../../../router/request-match.js';
import { StatsStore } from '../../../stats/store.js';
import { decodeFaultSettings, type FaultSettings, faultOverride } from './config.js';
import {
  FAULT_ABORT_BODY,
  FaultFilter,
  FaultStats,
  FLAG_DELAY_INJECTED,
  FLAG_FAULT_INJECTED,
} from './fault.js';

const TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

function settings(json: Record<string, unknown>): FaultSettings {
  const r = decodeFaultSettings({ '@type': TYPE, ...json });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.value;
}

const req = (...headers: string[]): RouteRequest => ({
  authority: 'svc',
  path: '/',
  method: 'GET',
  scheme: 'http',
  headers,
});

/** What the runtime would do with a decision: the local reply's status and the response flags. */
function outcome(d: ReturnType<FaultFilter['decide']>): { status: number; flags: string[]; body?: string } {
  const flags: string[] = [];
  if (d.delayMs !== undefined) flags.push(FLAG_DELAY_INJECTED);
  if (d.abort !== undefined) {
    flags.push(FLAG_FAULT_INJECTED);
    return { status: d.abort.status, flags, body: FAULT_ABORT_BODY };
  }
  return { status: 200, flags };
}

test('decodes Istio-style delay and abort with fractional percentages', () => {
  const s = settings({
    delay: { fixed_delay: '7s', percentage: { numerator: 10, denominator: 'HUNDRED' } },
    abort: { http_status: 503, percentage: { numerator: 1234, denominator: 'TEN_THOUSAND' } },
    max_active_faults: 5,
    upstream_cluster: 'outbound|9080||ratings.default.svc.cluster.local',
    headers: [{ name: 'end-user', string_match: { exact: 'jason' } }],
  });
  assert.deepEqual(s.delay, {
    kind: 'fixed',
    delayMs: 7000,
    percentage: { numerator: 10, denominator: 100 },
  });
  assert.deepEqual(s.abort, {
    kind: 'http',
    status: 503,
    percentage: { numerator: 1234, denominator: 10_000 },
  });
  assert.equal(s.maxActiveFaults, 5);
  assert.equal(s.headers[0].name, 'end-user');
});

test('rejects what it cannot honour, naming the field', () => {
  const bad = (json: Record<string, unknown>) => {
    const r = decodeFaultSettings({ '@type': TYPE, ...json });
    assert.equal(r.ok, false);
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };
  assert.deepEqual(bad({ abort: { http_status: 99, percentage: { numerator: 1 } } }), [
    'typed_config.abort.http_status: must be in [200, 600)',
  ]);
  assert.deepEqual(bad({ response_rate_limit: { fixed_limit: { limit_kbps: 1 } } }), [
    'typed_config.response_rate_limit: not supported by Trellis',
  ]);
  assert.deepEqual(bad({ delay: { percentage: { numerator: 1 } } }), [
    'typed_config.delay: one of fixed_delay or header_delay is required',
  ]);
  assert.match(bad({ delay: { fixed_dely: '1s' } })[0], /^typed_config: cannot decode .*fixed_dely/);
  const wrongType = decodeFaultSettings({
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  });
  assert.ok(!wrongType.ok && wrongType.errors[0].path === 'typed_config.@type');
});

test('percentages over 10 000 seeded requests land within ±1.5 points; aborts carry status and flag FI', () => {
  const store = new StatsStore();
  const filter = new FaultFilter(
    settings({
      delay: { fixed_delay: '0.5s', percentage: { numerator: 30, denominator: 'HUNDRED' } },
      abort: { http_status: 503, percentage: { numerator: 1234, denominator: 'TEN_THOUSAND' } },
    }),
    new FaultStats(store, 'http.ingress.fault.'),
  );
  const random = new SeededRandom(2024);
  let delayed = 0;
  let aborted = 0;
  for (let i = 0; i < 10_000; i++) {
    const d = filter.decide(req(), random);
    const o = outcome(d);
    if (d.delayMs !== undefined) {
      assert.equal(d.delayMs, 500);
      assert.ok(o.flags.includes('DI'));
      delayed++;
    }
    if (d.abort !== undefined) {
      assert.equal(o.status, 503);
      assert.ok(o.flags.includes('FI'));
      assert.equal(o.body, 'fault filter abort');
      aborted++;
    }
    filter.end(d);
  }
  assert.ok(Math.abs(delayed / 100 - 30) <= 1.5, `delayed ${delayed / 100} %`);
  assert.ok(Math.abs(aborted / 100 - 12.34) <= 1.5, `aborted ${aborted / 100} %`);
  assert.equal(store.counters.get('http.ingress.fault.delays_injected')?.value, delayed);
  assert.equal(store.counters.get('http.ingress.fault.aborts_injected')?.value, aborted);
  assert.equal(store.gauges.get('http.ingress.fault.active_faults')?.value, 0);
  assert.equal(filter.activeFaults, 0);
});

test('100 % and 0 % are exact; a MILLION denominator works', () => {
  const r = new SeededRandom(1);
  const all = new FaultFilter(settings({ abort: { http_status: 418, percentage: { numerator: 100 } } }));
  const none = new FaultFilter(settings({ abort: { http_status: 418 } })); // unset percentage: never
  const tiny = new FaultFilter(
    settings({ abort: { http_status: 418, percentage: { numerator: 50_000, denominator: 'MILLION' } } }),
  );
  let hits = 0;
  for (let i = 0; i < 10_000; i++) {
    assert.equal(all.decide(req(), r).abort?.status, 418);
    assert.equal(none.decide(req(), r).abort, undefined);
    if (tiny.decide(req(), r).abort) hits++;
  }
  assert.ok(Math.abs(hits / 100 - 5) <= 1.5, String(hits));
});

test('gRPC aborts answer HTTP 200 with the grpc-status', () => {
  const f = new FaultFilter(settings({ abort: { grpc_status: 14, percentage: { numerator: 100 } } }));
  assert.deepEqual(f.decide(req('content-type', 'application/grpc'), new SeededRandom(1)).abort, {
    status: 200,
    grpcStatus: 14,
  });
});

test('header-controlled faults: values from headers, header percentages capped by the configured one', () => {
  const f = new FaultFilter(
    settings({
      delay: { header_delay: {}, percentage: { numerator: 100 } },
      abort: { header_abort: {}, percentage: { numerator: 50 } },
    }),
  );
  const r = new SeededRandom(5);
  assert.deepEqual(f.decide(req(), r), { active: false }, 'no headers: no fault');
  const d = f.decide(req('x-envoy-fault-delay-request', '250', 'x-envoy-fault-abort-request', '429'), r);
  assert.equal(d.delayMs, 250);
  // The header asks for 100 % but the config caps it at 50 %: count over many requests.
  let aborted = 0;
  for (let i = 0; i < 10_000; i++) {
    const x = f.decide(
      req('x-envoy-fault-abort-request', '503', 'x-envoy-fault-abort-request-percentage', '100'),
      r,
    );
    if (x.abort?.status === 503) aborted++;
    f.end(x);
  }
  assert.ok(Math.abs(aborted / 100 - 50) <= 1.5, String(aborted));
  const always = new FaultFilter(settings({ abort: { header_abort: {}, percentage: { numerator: 100 } } }));
  assert.deepEqual(always.decide(req('x-envoy-fault-abort-grpc-request', '8'), r).abort, {
    status: 200,
    grpcStatus: 8,
  });
  const zero = f.decide(
    req('x-envoy-fault-abort-request', '503', 'x-envoy-fault-abort-request-percentage', '0'),
    r,
  );
  assert.equal(zero.abort, undefined);
  const invalid = f.decide(
    req('x-envoy-fault-abort-request', '700', 'x-envoy-fault-abort-request-percentage', '50'),
    r,
  );
  assert.equal(invalid.abort, undefined, 'statuses outside [200, 600) are ignored');
});

test('conditions: upstream cluster, header matchers, downstream nodes', () => {
  const f = new FaultFilter(
    settings({
      abort: { http_status: 500, percentage: { numerator: 100 } },
      upstream_cluster: 'ratings',
      headers: [{ name: 'end-user', string_match: { exact: 'jason' } }],
      downstream_nodes: ['node-a'],
    }),
  );
  const r = new SeededRandom(1);
  const jason = req('end-user', 'jason', 'x-envoy-downstream-service-node', 'node-a');
  assert.equal(f.decide(jason, r, 'ratings').abort?.status, 500);
  assert.equal(f.decide(jason, r, 'reviews').abort, undefined);
  assert.equal(
    f.decide(req('end-user', 'bob', 'x-envoy-downstream-service-node', 'node-a'), r, 'ratings').abort,
    undefined,
  );
  assert.equal(
    f.decide(req('end-user', 'jason', 'x-envoy-downstream-service-node', 'node-b'), r, 'ratings').abort,
    undefined,
  );
});

test('max_active_faults: further requests pass unfaulted and count as overflow until a fault ends', () => {
  const store = new StatsStore();
  const f = new FaultFilter(
    settings({ delay: { fixed_delay: '1s', percentage: { numerator: 100 } }, max_active_faults: 2 }),
    new FaultStats(store, 'http.x.fault.'),
  );
  const r = new SeededRandom(1);
  const a = f.decide(req(), r);
  const b = f.decide(req(), r);
  const c = f.decide(req(), r);
  assert.equal(a.delayMs, 1000);
  assert.equal(b.delayMs, 1000);
  assert.deepEqual(c, { active: false });
  assert.equal(store.counters.get('http.x.fault.faults_overflow')?.value, 1);
  assert.equal(store.gauges.get('http.x.fault.active_faults')?.value, 2);
  f.end(a);
  f.end(a); // ending twice frees one slot only
  assert.equal(f.activeFaults, 1);
  assert.equal(f.decide(req(), r).delayMs, 1000);
});

test('a route override replaces the filter settings and counts per downstream cluster', () => {
  const store = new StatsStore();
  const f = new FaultFilter(settings({}), new FaultStats(store, 'http.x.fault.'));
  const routeJson = { '@type': TYPE, abort: { http_status: 504, percentage: { numerator: 100 } } };
  const override = faultOverride(
    'envoy.filters.http.fault',
    { 'envoy.filters.http.fault': routeJson },
    undefined,
  );
  assert.equal(
    faultOverride('envoy.filters.http.fault', {}, { 'envoy.filters.http.fault': routeJson }),
    override,
  );
  const r = new SeededRandom(1);
  assert.equal(f.decide(req(), r).abort, undefined, 'the filter itself has no fault');
  const d = f.decide(req('x-envoy-downstream-service-cluster', 'productpage'), r, undefined, override);
  assert.equal(d.abort?.status, 504);
  assert.equal(store.counters.get('http.x.fault.productpage.aborts_injected')?.value, 1);
});
