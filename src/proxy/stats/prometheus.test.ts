// /stats/prometheus output: parsed back by a strict exposition reader; Envoy's names, labels and histograms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterStats } from './cluster-stats.js';
import { parseExposition } from './exposition-check.js';
import { HttpConnManagerStats, ListenerStats } from './http-stats.js';
import { escapeLabelValue, renderPrometheus } from './prometheus.js';
import { ServerStats } from './server-stats.js';
import { StatsStore } from './store.js';

function sampleStore(): StatsStore {
  const store = new StatsStore();
  const reviews = new ClusterStats(store, 'outbound|9080||reviews.default.svc.cluster.local');
  reviews.counter.upstream_rq_total.inc(7);
  reviews.recordResponse(200, 12);
  reviews.recordResponse(200, 3);
  reviews.recordResponse(503, 70);
  reviews.gauge.upstream_cx_active.set(2);
  const xds = new ClusterStats(store, 'xds-grpc');
  xds.counter.upstream_cx_total.inc();
  const listener = new ListenerStats(store, '0.0.0.0_15006');
  const http = new HttpConnManagerStats(store, 'inbound_0.0.0.0_9080', listener);
  http.counter.downstream_rq_total.inc(3);
  http.recordResponse(200, 5);
  http.recordResponse(404, 1);
  new ServerStats(store).refresh('LIVE', 12.7);
  return store;
}

test('every line is valid exposition format and histograms follow the bucket rules', () => {
  const text = renderPrometheus(sampleStore());
  const parsed = parseExposition(text);
  assert.ok(parsed.samples.length > 100);
  for (const name of parsed.types.keys()) assert.match(name, /^envoy_[a-zA-Z0-9_]+$/);
});

test('cluster stats carry envoy_cluster_name, response codes envoy_response_code', () => {
  const text = renderPrometheus(sampleStore());
  assert.ok(text.includes('# TYPE envoy_cluster_upstream_rq_total counter\n'));
  assert.ok(
    text.includes(
      'envoy_cluster_upstream_rq_total{envoy_cluster_name="outbound|9080||reviews.default.svc.cluster.local"} 7\n',
    ),
  );
  assert.ok(
    text.includes(
      'envoy_cluster_upstream_rq{envoy_response_code="503",envoy_cluster_name="outbound|9080||reviews.default.svc.cluster.local"} 1\n',
    ),
  );
  assert.ok(
    text.includes(
      'envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="outbound|9080||reviews.default.svc.cluster.local"} 2\n',
    ),
  );
  assert.ok(text.includes('envoy_cluster_upstream_cx_total{envoy_cluster_name="xds-grpc"} 1\n'));
  assert.ok(text.includes('# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n'));
  assert.ok(text.includes('envoy_server_uptime{} 12\n'));
});

test('HCM class counters become envoy_http_downstream_rq_xx with the prefix label', () => {
  const text = renderPrometheus(sampleStore());
  assert.ok(
    text.includes(
      'envoy_http_downstream_rq_xx{envoy_response_code_class="2",envoy_http_conn_manager_prefix="inbound_0.0.0.0_9080"} 1\n',
    ),
  );
  assert.ok(
    text.includes(
      'envoy_listener_http_downstream_rq_xx{envoy_response_code_class="4",envoy_http_conn_manager_prefix="inbound_0.0.0.0_9080",envoy_listener_address="0.0.0.0_15006"} 1\n',
    ),
  );
  // One TYPE line per family, however many series it has.
  assert.equal(text.split('# TYPE envoy_http_downstream_rq_xx counter\n').length, 2);
});

test('histograms print cumulative buckets at Envoy bounds, +Inf, _sum and _count', () => {
  const text = renderPrometheus(sampleStore(), { filter: (n) => n.endsWith('upstream_rq_time') });
  const parsed = parseExposition(text);
  const label = 'outbound|9080||reviews.default.svc.cluster.local';
  const buckets = parsed.samples.filter(
    (s) => s.name === 'envoy_cluster_upstream_rq_time_bucket' && s.labels.envoy_cluster_name === label,
  );
  const byLe = Object.fromEntries(buckets.map((b) => [b.labels.le, b.value]));
  assert.equal(byLe['1'], 0);
  assert.equal(byLe['5'], 1);
  assert.equal(byLe['25'], 2);
  assert.equal(byLe['100'], 3);
  assert.equal(byLe['+Inf'], 3);
  assert.equal(buckets.length, 20);
  const sum = parsed.samples.find(
    (s) => s.name === 'envoy_cluster_upstream_rq_time_sum' && s.labels.envoy_cluster_name === label,
  );
  assert.equal(sum?.value, 85);
});

test('label values are escaped and extra families are appended verbatim', () => {
  const store = new StatsStore();
  store.counter('cluster.we"ird\\name\nx.upstream_rq_total').inc();
  const extra = '# TYPE istio_requests_total counter\nistio_requests_total{response_code="200"} 4\n';
  const text = renderPrometheus(store, { extraSources: [() => extra, () => ''] });
  assert.ok(text.endsWith(extra));
  const parsed = parseExposition(text);
  const s = parsed.samples.find((x) => x.name === 'envoy_cluster_upstream_rq_total');
  assert.equal(s?.labels.envoy_cluster_name, 'we"ird\\name\nx');
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
});

test('the strict reader rejects what Prometheus rejects', () => {
  assert.throws(() => parseExposition('bad-name 1\n'), /bad metric name/);
  assert.throws(() => parseExposition('x{a="b\\q"} 1\n'), /bad escape/);
  assert.throws(() => parseExposition('x{a="b"} one\n'), /bad value/);
  assert.throws(() => parseExposition('x 1\ny 1\nx 2\n'), /not contiguous/);
  assert.throws(
    () => parseExposition('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n'),
    /decrease/,
  );
  assert.throws(() => parseExposition('x 1'), /newline/);
});

test('usedOnly and filter select series', () => {
  const store = new StatsStore();
  store.counter('a.used').inc();
  store.counter('a.unused');
  const text = renderPrometheus(store, { usedOnly: true });
  assert.ok(text.includes('envoy_a_used{} 1'));
  assert.ok(!text.includes('envoy_a_unused'));
  assert.equal(renderPrometheus(store, { filter: () => false }), '');
});
