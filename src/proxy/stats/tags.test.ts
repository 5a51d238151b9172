// Tag extraction cases: Envoy's default specifiers, and Istio's dotted names found whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TagExtractor } from './tags.js';

function tags(ex: TagExtractor, name: string): [string, Record<string, string>] {
  const r = ex.extract(name);
  return [r.name, Object.fromEntries(r.tags.map((t) => [t.name, t.value]))];
}

test('an Istio cluster name with dots is one cluster_name tag', () => {
  const ex = new TagExtractor();
  assert.deepEqual(tags(ex, 'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total'), [
    'cluster.upstream_rq_total',
    { 'envoy.cluster_name': 'outbound|9080||reviews.default.svc.cluster.local' },
  ]);
  assert.deepEqual(tags(ex, 'cluster.xds-grpc.upstream_cx_active'), [
    'cluster.upstream_cx_active',
    { 'envoy.cluster_name': 'xds-grpc' },
  ]);
});

test('response code and class come off the end, cluster name off the front', () => {
  const ex = new TagExtractor();
  assert.deepEqual(tags(ex, 'cluster.outbound|9080|v1|reviews.default.svc.cluster.local.upstream_rq_503'), [
    'cluster.upstream_rq',
    {
      'envoy.response_code': '503',
      'envoy.cluster_name': 'outbound|9080|v1|reviews.default.svc.cluster.local',
    },
  ]);
  assert.deepEqual(tags(ex, 'http.ingress_http.downstream_rq_2xx'), [
    'http.downstream_rq_xx',
    { 'envoy.response_code_class': '2', 'envoy.http_conn_manager_prefix': 'ingress_http' },
  ]);
});

test('declared values with dots are found whole, longest first', () => {
  const ex = new TagExtractor();
  // Before declaring, Envoy's regex stops at the first dot.
  assert.equal(
    tags(ex, 'http.inbound_0.0.0.0_9080.downstream_rq_total')[1]['envoy.http_conn_manager_prefix'],
    'inbound_0',
  );
  ex.declare('http', 'inbound_0.0.0.0_9080');
  ex.declare('cluster', 'a');
  ex.declare('cluster', 'a.b');
  assert.deepEqual(tags(ex, 'http.inbound_0.0.0.0_9080.downstream_rq_total'), [
    'http.downstream_rq_total',
    { 'envoy.http_conn_manager_prefix': 'inbound_0.0.0.0_9080' },
  ]);
  assert.deepEqual(tags(ex, 'cluster.a.b.upstream_rq_total'), [
    'cluster.upstream_rq_total',
    { 'envoy.cluster_name': 'a.b' },
  ]);
  assert.deepEqual(tags(ex, 'cluster.a.upstream_rq_total'), [
    'cluster.upstream_rq_total',
    { 'envoy.cluster_name': 'a' },
  ]);
});

test('listener address, and the HCM prefix under a listener', () => {
  const ex = new TagExtractor();
  ex.declare('http', 'inbound_0.0.0.0_8080');
  assert.deepEqual(tags(ex, 'listener.0.0.0.0_15006.http.inbound_0.0.0.0_8080.downstream_rq_5xx'), [
    'listener.http.downstream_rq_xx',
    {
      'envoy.response_code_class': '5',
      'envoy.http_conn_manager_prefix': 'inbound_0.0.0.0_8080',
      'envoy.listener_address': '0.0.0.0_15006',
    },
  ]);
  assert.deepEqual(tags(ex, 'listener.[__]_80.downstream_cx_total'), [
    'listener.downstream_cx_total',
    { 'envoy.listener_address': '[__]_80' },
  ]);
});

test('a one-letter cluster name is cut at its own position, not inside "cluster."', () => {
  const ex = new TagExtractor();
  assert.deepEqual(tags(ex, 'cluster.r.upstream_rq_total'), [
    'cluster.upstream_rq_total',
    { 'envoy.cluster_name': 'r' },
  ]);
});

test('tcp prefix, worker id and untagged names', () => {
  const ex = new TagExtractor();
  assert.deepEqual(tags(ex, 'tcp.outbound|9000||db.default.svc.cluster.local.downstream_cx_total'), [
    'tcp.downstream_cx_total',
    { 'envoy.tcp_prefix': 'outbound|9000||db.default.svc.cluster.local' },
  ]);
  assert.deepEqual(tags(ex, 'listener_manager.worker_0.downstream_cx_active'), [
    'listener_manager.downstream_cx_active',
    { 'envoy.worker_id': 'worker_0' },
  ]);
  assert.deepEqual(tags(ex, 'server.uptime'), ['server.uptime', {}]);
  assert.deepEqual(tags(ex, 'cluster_manager.cds.update_success'), [
    'cluster_manager.cds.update_success',
    {},
  ]);
});

test('scope values are learnt from stats every scope has, so dotted names split without declarations', () => {
  const ex = new TagExtractor();
  ex.learn('cluster.outbound|80||httpbin.org.upstream_cx_total');
  ex.learn('http.outbound_0.0.0.0_80.downstream_rq_total');
  ex.learn('http.p.user_agent.ios.downstream_rq_total');
  assert.deepEqual(tags(ex, 'cluster.outbound|80||httpbin.org.upstream_rq_503'), [
    'cluster.upstream_rq',
    { 'envoy.response_code': '503', 'envoy.cluster_name': 'outbound|80||httpbin.org' },
  ]);
  assert.equal(
    tags(ex, 'http.outbound_0.0.0.0_80.downstream_rq_2xx')[1]['envoy.http_conn_manager_prefix'],
    'outbound_0.0.0.0_80',
  );
});

test('extraction stays fast with thousands of declared clusters', () => {
  const ex = new TagExtractor();
  for (let i = 0; i < 5000; i++) ex.declare('cluster', `outbound|80||svc${i}.example.com`);
  const t0 = performance.now();
  for (let i = 0; i < 5000; i++) ex.extract(`cluster.outbound|80||svc${i}.example.com.upstream_rq_total`);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(
    ex.extract('cluster.outbound|80||svc42.example.com.upstream_rq_total').tags[0].value,
    'outbound|80||svc42.example.com',
  );
});
