// The stat sets create Envoy's exact names, count responses the way Envoy's router and HCM do, and leave
// the store when their cluster or listener goes away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterStats, HostStats } from './cluster-stats.js';
import { HttpConnManagerStats, ListenerStats, listenerStatAddress, TcpProxyStats } from './http-stats.js';
import { ServerStats, SubscriptionStats, versionHash } from './server-stats.js';
import { StatsStore } from './store.js';

test("a cluster's responses land in Envoy's per-code, per-class, origin and timing stats", () => {
  const store = new StatsStore();
  const c = new ClusterStats(store, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  c.recordResponse(200, 4);
  c.recordResponse(503, 9, true);
  const p = 'cluster.outbound|9080|v2|reviews.default.svc.cluster.local.';
  const v = (n: string) => store.counters.get(p + n)?.value;
  assert.equal(v('upstream_rq_200'), 1);
  assert.equal(v('upstream_rq_2xx'), 1);
  assert.equal(v('upstream_rq_503'), 1);
  assert.equal(v('upstream_rq_5xx'), 1);
  assert.equal(v('upstream_rq_completed'), 2);
  assert.equal(v('external.upstream_rq_200'), 1);
  assert.equal(v('internal.upstream_rq_503'), 1);
  assert.equal(store.histograms.get(p + 'upstream_rq_time')?.count, 2);
  assert.ok(store.counters.has(p + 'upstream_cx_connect_fail'));
  assert.ok(store.gauges.has(p + 'circuit_breakers.default.rq_pending_open'));
  c.delete();
  assert.ok(![...store.counters.keys(), ...store.gauges.keys()].some((k) => k.startsWith(p)));
});

test('HCM and listener stats: class counters only, under both prefixes', () => {
  const store = new StatsStore();
  const addr = listenerStatAddress('0.0.0.0', 15006);
  assert.equal(addr, '0.0.0.0_15006');
  assert.equal(listenerStatAddress('::', 80), '[::]_80');
  const l = new ListenerStats(store, addr);
  const h = new HttpConnManagerStats(store, 'inbound_0.0.0.0_9080', l);
  h.counter.downstream_rq_total.inc();
  h.recordResponse(404, 2);
  assert.equal(store.counters.get('http.inbound_0.0.0.0_9080.downstream_rq_4xx')?.value, 1);
  assert.equal(store.counters.has('http.inbound_0.0.0.0_9080.downstream_rq_404'), false);
  assert.equal(
    store.counters.get('listener.0.0.0.0_15006.http.inbound_0.0.0.0_9080.downstream_rq_4xx')?.value,
    1,
  );
  assert.equal(store.counters.get('http.inbound_0.0.0.0_9080.downstream_rq_completed')?.value, 1);
  assert.equal(store.histograms.get('http.inbound_0.0.0.0_9080.downstream_rq_time')?.count, 1);
  const t = new TcpProxyStats(store, 'outbound|27017||mongo.default.svc.cluster.local');
  t.counter.downstream_cx_total.inc();
  assert.equal(
    store.counters.get('tcp.outbound|27017||mongo.default.svc.cluster.local.downstream_cx_total')?.value,
    1,
  );
});

test('server gauges follow the state; subscriptions count accepted and rejected updates', () => {
  const store = new StatsStore();
  const s = new ServerStats(store);
  s.refresh('INITIALIZING', 3.9);
  assert.equal(store.gauges.get('server.state')?.value, 3);
  assert.equal(store.gauges.get('server.live')?.value, 0);
  assert.equal(store.gauges.get('server.uptime')?.value, 3);
  s.refresh('LIVE', 4);
  assert.equal(store.gauges.get('server.live')?.value, 1);
  const cds = new SubscriptionStats(store, 'cluster_manager.cds');
  cds.accepted('v1', 1000, 2);
  cds.rejected();
  assert.equal(store.counters.get('cluster_manager.cds.update_attempt')?.value, 2);
  assert.equal(store.counters.get('cluster_manager.cds.update_rejected')?.value, 1);
  assert.equal(store.gauges.get('cluster_manager.cds.version')?.value, versionHash('v1'));
  assert.notEqual(versionHash('v1'), versionHash('v2'));
  assert.ok(Number.isSafeInteger(versionHash('some long version string 2026-11-25T14:00:00Z/42')));
});

test('host stats list in Envoy order', () => {
  const h = new HostStats();
  h.rqTotal = 3;
  h.cxActive = 1;
  assert.deepEqual(
    h.entries().map((e) => `${e.name}=${e.value}`),
    [
      'cx_active=1',
      'cx_connect_fail=0',
      'cx_total=0',
      'rq_active=0',
      'rq_error=0',
      'rq_success=0',
      'rq_timeout=0',
      'rq_total=3',
    ],
  );
});
