// The HTTP side of Istio's metrics: labels per reporter (peers from exchanged metadata, principals and
// namespaces from SPIFFE IDs, the destination service from cluster metadata, Istio's cluster name or the Host
// header), response flags in Envoy's order, gRPC status, histograms at Envoy's buckets, strict exposition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cluster } from '../../../config/cluster.js';
import type { HttpFilter } from '../../../config/listener.js';
import { PLAINTEXT } from '../../../http/connection-security.js';
import { type ParsedSample, parseExposition } from '../../../stats/exposition-check.js';
import { StatsStore } from '../../../stats/store.js';
import { localPeerOf } from '../peer-metadata/peer-metadata.js';
import { metricFlags, reporterFor } from './base.js';
import { IstioHttpStats, type IstioStatsRequest } from './http-filter.js';
import { istioMetricsOf } from './registry.js';

const FRONT = localPeerOf({
  id: 'sidecar~127.0.0.1~front-1.default~default.svc.cluster.local',
  metadata: {
    NAMESPACE: 'default',
    WORKLOAD_NAME: 'front',
    CLUSTER_ID: 'Kubernetes',
    LABELS: { app: 'front', version: 'v1' },
  },
});
const BACK = localPeerOf({
  id: 'sidecar~127.0.0.1~back-1.default~default.svc.cluster.local',
  metadata: {
    NAMESPACE: 'shop',
    WORKLOAD_NAME: 'back-v2',
    CLUSTER_ID: 'Kubernetes',
    LABELS: { app: 'back', version: 'v2' },
  },
});
const FRONT_ID = 'spiffe://cluster.local/ns/default/sa/front';
const BACK_ID = 'spiffe://cluster.local/ns/shop/sa/back';

function filter(config: Record<string, unknown> = {}): HttpFilter {
  return {
    name: 'istio.stats',
    typeName: 'stats.PluginConfig',
    config: { '@type': 'type.googleapis.com/stats.PluginConfig', ...config },
    disabled: false,
  };
}

const cluster = (name: string, metadata: Cluster['metadata'] = {}) => ({ name, metadata }) as Cluster;

function req(over: Partial<IstioStatsRequest>): IstioStatsRequest {
  return {
    isGrpc: false,
    status: 200,
    flags: '',
    bytesIn: 0,
    bytesOut: 0,
    startMs: 1000,
    authority: 'back:8000',
    security: PLAINTEXT,
    downstreamPeer: undefined,
    upstreamPeer: undefined,
    cluster: undefined,
    route: undefined,
    upstreamPeerUriSan: '',
    upstreamLocalUriSan: '',
    grpcStatus: '',
    ...over,
  };
}

function samples(store: StatsStore, name: string): ParsedSample[] {
  return parseExposition(istioMetricsOf(store).render()).samples.filter((s) => s.name === name);
}

test('client side: reporter=source, this workload as source, the exchanged callee as destination', () => {
  const store = new StatsStore();
  const stats = IstioHttpStats.fromConfig([filter()], 'source', FRONT, store)!;
  const outbound = cluster('outbound|8000||back.shop.svc.cluster.local', {
    istio: { services: [{ host: 'back.shop.svc.cluster.local', name: 'back', namespace: 'shop' }] },
  });
  for (let i = 0; i < 3; i++)
    stats.record(
      req({
        cluster: { cluster: outbound },
        upstreamPeer: BACK.info,
        upstreamPeerUriSan: BACK_ID,
        upstreamLocalUriSan: FRONT_ID,
        bytesIn: 10,
        bytesOut: 300,
      }),
      1012,
    );
  const [s, ...rest] = samples(store, 'istio_requests_total');
  assert.equal(rest.length, 0, 'one series for identical requests');
  assert.equal(s.value, 3);
  assert.deepEqual(s.labels, {
    reporter: 'source',
    source_workload: 'front',
    source_canonical_service: 'front',
    source_canonical_revision: 'v1',
    source_workload_namespace: 'default',
    source_principal: FRONT_ID,
    source_app: 'front',
    source_version: 'v1',
    source_cluster: 'Kubernetes',
    destination_workload: 'back-v2',
    destination_workload_namespace: 'shop',
    destination_principal: BACK_ID,
    destination_app: 'back',
    destination_version: 'v2',
    destination_service: 'back.shop.svc.cluster.local',
    destination_canonical_service: 'back',
    destination_canonical_revision: 'v2',
    destination_service_name: 'back',
    destination_service_namespace: 'shop',
    destination_cluster: 'Kubernetes',
    request_protocol: 'http',
    response_code: '200',
    grpc_response_status: '',
    response_flags: '-',
    connection_security_policy: 'unknown',
  });
  const duration = samples(store, 'istio_request_duration_milliseconds_bucket');
  const byLe = Object.fromEntries(duration.map((b) => [b.labels.le, b.value]));
  assert.equal(byLe['10'], 0);
  assert.equal(byLe['25'], 3, '12 ms falls in the 25 ms bucket');
  assert.equal(byLe['+Inf'], 3);
  assert.equal(samples(store, 'istio_response_bytes_sum')[0].value, 900);
  assert.equal(samples(store, 'istio_request_bytes_count')[0].value, 3);
});

test('client side without a peer: a local 503 names the service from the cluster name, flags in Envoy order', () => {
  const store = new StatsStore();
  const stats = IstioHttpStats.fromConfig([filter()], 'source', FRONT, store)!;
  stats.record(
    req({
      status: 503,
      flags: 'URX,UF',
      cluster: { cluster: cluster('outbound|8000|v2|back.shop.svc.cluster.local') },
    }),
    1001,
  );
  const [s] = samples(store, 'istio_requests_total');
  assert.equal(s.labels.response_flags, 'UF,URX');
  assert.equal(s.labels.response_code, '503');
  assert.equal(s.labels.destination_service, 'back.shop.svc.cluster.local');
  assert.equal(s.labels.destination_service_name, 'back');
  assert.equal(s.labels.destination_workload, 'unknown');
  assert.equal(s.labels.destination_principal, 'unknown');
  assert.equal(s.labels.destination_canonical_revision, 'latest');
  assert.equal(s.labels.source_principal, 'unknown');
  assert.equal(metricFlags(''), '-');
  assert.equal(metricFlags('DC'), 'DC');
});

test('server side: reporter=destination, the caller from metadata and its SPIFFE ID, mutual_tls', () => {
  const store = new StatsStore();
  const stats = IstioHttpStats.fromConfig(
    [filter({ disable_host_header_fallback: true })],
    'destination',
    BACK,
    store,
  )!;
  const mtls = {
    ...PLAINTEXT,
    policy: 'mutual_tls' as const,
    peerUriSan: FRONT_ID,
    localUriSan: BACK_ID,
    tls: true,
  };
  stats.record(
    req({ security: mtls, downstreamPeer: FRONT.info, cluster: { cluster: cluster('inbound|8000||') } }),
    1002,
  );
  stats.record(req({ status: 404, authority: 'elsewhere', cluster: undefined }), 1002);
  const all = samples(store, 'istio_requests_total');
  const [s] = all.filter((x) => x.labels.response_code === '200');
  assert.equal(s.labels.reporter, 'destination');
  assert.equal(s.labels.source_workload, 'front');
  assert.equal(s.labels.source_principal, FRONT_ID);
  assert.equal(s.labels.source_workload_namespace, 'default');
  assert.equal(s.labels.destination_workload, 'back-v2');
  assert.equal(s.labels.destination_principal, BACK_ID);
  assert.equal(s.labels.destination_service_namespace, 'shop');
  assert.equal(
    s.labels.destination_service,
    'back',
    'no service metadata, no Host fallback: the canonical name',
  );
  assert.equal(s.labels.connection_security_policy, 'mutual_tls');
  const [plain] = all.filter((x) => x.labels.response_code === '404');
  assert.equal(plain.labels.connection_security_policy, 'none');
  assert.equal(plain.labels.source_workload, 'unknown');
  assert.equal(plain.labels.destination_service, 'back', 'the Host header is not trusted inbound');
});

test('Host header fallback (outbound), gRPC status and protocol, dropped metrics, label escaping', () => {
  const store = new StatsStore();
  const odd = localPeerOf({ id: 'x', metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'we"ird\\name' } });
  const stats = IstioHttpStats.fromConfig(
    [filter({ metrics: [{ name: 'request_bytes', drop: true }] })],
    'source',
    odd,
    store,
  )!;
  stats.record(
    req({ authority: 'httpbin.org:80', cluster: { cluster: cluster('PassthroughCluster') } }),
    1001,
  );
  stats.record(req({ authority: 'api.example:8443' }), 1001);
  stats.record(req({ isGrpc: true, status: 200, grpcStatus: '14' }), 1001);
  stats.record(req({ isGrpc: true, status: 503 }), 1001);
  const text = istioMetricsOf(store).render();
  const parsed = parseExposition(text);
  assert.equal(parsed.types.get('istio_requests_total'), 'counter');
  assert.equal(parsed.types.get('istio_request_duration_milliseconds'), 'histogram');
  assert.equal(parsed.types.has('istio_request_bytes'), false, 'dropped');
  const reqs = parsed.samples.filter((s) => s.name === 'istio_requests_total');
  assert.deepEqual(
    reqs.map((s) => [s.labels.destination_service_name, s.labels.destination_service]),
    [
      ['PassthroughCluster', 'httpbin.org:80'],
      ['api.example:8443', 'api.example:8443'],
      ['back:8000', 'back:8000'],
      ['back:8000', 'back:8000'],
    ],
  );
  assert.deepEqual(
    reqs.slice(2).map((s) => [s.labels.request_protocol, s.labels.grpc_response_status]),
    [
      ['grpc', '14'],
      ['grpc', '14'],
    ],
    'a gRPC 503 without grpc-status maps to UNAVAILABLE',
  );
  assert.equal(reqs[0].labels.source_workload, 'we"ird\\name');
  assert.ok(text.includes('source_workload="we\\"ird\\\\name"'));
});

test('the reporter follows the lister direction, else an inbound stat prefix', () => {
  assert.equal(reporterFor('INBOUND', 'x'), 'destination');
  assert.equal(reporterFor('OUTBOUND', 'inbound_8000'), 'source');
  assert.equal(reporterFor(undefined, 'inbound_8000'), 'destination');
  assert.equal(reporterFor('UNSPECIFIED', 'outbound_0.0.0.0_8080'), 'source');
  assert.equal(IstioHttpStats.fromConfig([], 'source', undefined, new StatsStore()), undefined);
  assert.throws(
    () =>
      IstioHttpStats.fromConfig(
        [filter({ definitions: [{ name: 'x' }] })],
        'source',
        undefined,
        new StatsStore(),
      ),
    /definitions/,
  );
});
