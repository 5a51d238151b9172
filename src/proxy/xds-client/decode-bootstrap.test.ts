// Bootstrap decoding: each supported feature from Envoy-style YAML/JSON fixtures and Envoy's defaults
// (the NACK cases are in decode-bootstrap-nack.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TcpProxy } from '../config/listener.js';
import type { ForwardAction } from '../config/route.js';
import { errors, fixturesDir, hcmOf, load, ROUTER, value, withHcm } from './decode.test-util.js';
import { adsTargetOf, decodeBootstrap, decodeBootstrapDetailed } from './decode-bootstrap.js';

test('static HTTP bootstrap: node identity, admin, listener, inline routes and filters', () => {
  const b = value(load('static-http.yaml'));
  assert.equal(b.node.id, 'sidecar~10.0.0.1~productpage-v1.default~default.svc.cluster.local');
  assert.equal(b.node.cluster, 'productpage.default');
  assert.deepEqual(b.node.metadata.LABELS, { app: 'productpage', version: 'v1' });
  assert.equal(b.node.metadata.SERVICE_ACCOUNT, 'bookinfo-productpage');
  assert.deepEqual(b.node.locality, { region: 'eu', zone: 'eu-1', subZone: '' });
  assert.deepEqual(b.admin, { host: '127.0.0.1', port: 15000, accessLogPath: '/dev/null' });
  assert.equal(b.ads, undefined);

  const l = b.listeners[0];
  assert.deepEqual(l.address, { host: '0.0.0.0', port: 10000 });
  assert.equal(l.trafficDirection, 'INBOUND');
  assert.equal(l.bindToPort, true);
  const hcm = hcmOf(b);
  assert.equal(hcm.statPrefix, 'ingress_http');
  assert.equal(hcm.useRemoteAddress, true);
  assert.equal(hcm.idleTimeoutMs, 30_000);
  assert.equal(hcm.streamIdleTimeoutMs, 300_000, "Envoy's default stream idle timeout");
  assert.equal(hcm.generateRequestId, true);
  assert.equal(hcm.maxRequestHeadersKb, 60);
  assert.equal(hcm.serverName, 'envoy');
  assert.deepEqual(hcm.upgrades, ['websocket']);
  assert.deepEqual(hcm.accessLogs, [
    { path: 'stdout', format: { kind: 'text', template: '%REQ(:METHOD)% %RESPONSE_CODE%\n' } },
  ]);

  // HTTP filters: fault kept as its typed_config JSON for the fault filter, router last without config.
  assert.deepEqual(
    hcm.httpFilters.map((f) => [f.name, f.typeName]),
    [
      ['envoy.filters.http.fault', 'envoy.extensions.filters.http.fault.v3.HTTPFault'],
      ['envoy.filters.http.router', 'envoy.extensions.filters.http.router.v3.Router'],
    ],
  );
  assert.deepEqual(hcm.httpFilters[0].config, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    delay: { fixed_delay: '0.500s', percentage: { numerator: 10 } },
  });
  assert.equal(hcm.httpFilters[1].config, undefined);

  assert.equal(hcm.routes.kind, 'inline');
  if (hcm.routes.kind !== 'inline') return;
  const rc = hcm.routes.config;
  assert.equal(rc.name, 'local_route');
  assert.deepEqual(rc.headers.responseAdd, [
    { key: 'x-served-by', value: 'trellis', action: 'OVERWRITE_IF_EXISTS_OR_ADD', keepEmptyValue: false },
  ]);
  const vh = rc.virtualHosts[0];
  assert.deepEqual(vh.retryPolicy?.retryOn, ['connect-failure', 'refused-stream']);
  assert.equal(vh.retryPolicy?.numRetries, 2);
  const [api, items, old, health, root] = vh.routes;

  assert.deepEqual(api.match.path, { kind: 'prefix', value: '/api' });
  assert.deepEqual(api.match.headers[0].match, {
    kind: 'string',
    string: { kind: 'exact', value: 'true', ignoreCase: false },
  });
  const apiAction = api.action as ForwardAction;
  assert.equal(apiAction.timeoutMs, 3000);
  assert.equal(apiAction.target.kind, 'weighted');
  if (apiAction.target.kind === 'weighted') {
    assert.equal(apiAction.target.totalWeight, 100);
    assert.deepEqual(
      apiAction.target.clusters.map((c) => [c.name, c.weight]),
      [
        ['backend_v1', 90],
        ['backend_v2', 10],
      ],
    );
  }
  assert.equal(apiAction.retryPolicy?.avoidPreviousHosts, true);
  assert.equal(apiAction.retryPolicy?.perTryTimeoutMs, 1000);
  assert.equal(apiAction.retryPolicy?.backoffBaseMs, 25, "Envoy's retry back-off base");
  assert.equal(apiAction.retryPolicy?.backoffMaxMs, 250, '10 × base');

  assert.deepEqual(items.match.path, { kind: 'regex', pattern: '^/items/[0-9]+$' });
  assert.deepEqual(items.match.queryParameters, [{ name: 'debug', match: { kind: 'present' } }]);
  const itemsAction = items.action as ForwardAction;
  assert.equal(itemsAction.prefixRewrite, '/v1/items');
  assert.equal(itemsAction.timeoutMs, 15_000, "Envoy's default route timeout");
  assert.deepEqual(itemsAction.hashPolicies, [{ kind: 'header', name: 'x-user', terminal: false }]);

  assert.deepEqual(old.action, { kind: 'redirect', status: 308, stripQuery: false, path: '/new' });
  assert.deepEqual(health.action, { kind: 'direct', status: 200, body: 'ok' });
  assert.deepEqual(health.perFilterConfig['envoy.filters.http.fault'], {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    abort: { http_status: 503, percentage: { numerator: 100 } },
  });
  assert.deepEqual(root.match.path, { kind: 'prefix', value: '/' });
});

test('static HTTP bootstrap: clusters with Envoy defaults, circuit breakers, outlier detection, protocols', () => {
  const b = value(load('static-http.yaml'));
  const [v1, v2] = b.clusters;
  assert.equal(v1.type, 'STATIC');
  assert.equal(v1.connectTimeoutMs, 250);
  assert.equal(v1.lbPolicy, 'LEAST_REQUEST');
  assert.equal(v1.lbConfig.healthyPanicThreshold, 50, "Envoy's default panic threshold");
  assert.deepEqual(v1.circuitBreakers, [
    { priority: 'DEFAULT', maxConnections: 100, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 5 },
  ]);
  assert.equal(v1.outlierDetection?.consecutive5xx, 3);
  assert.equal(v1.outlierDetection?.baseEjectionTimeMs, 10_000);
  assert.equal(v1.outlierDetection?.intervalMs, 10_000, 'default interval');
  assert.equal(v1.outlierDetection?.maxEjectionPercent, 10, 'default max ejection percent');
  assert.equal(v1.upstreamProtocol, 'http1');
  assert.equal(v1.idleTimeoutMs, 3_600_000);
  const endpoints = v1.loadAssignment?.localities[0].endpoints ?? [];
  assert.deepEqual(
    endpoints.map((e) => [e.address.port, e.weight, e.healthStatus]),
    [
      [8081, 1, 'UNKNOWN'],
      [8082, 3, 'UNKNOWN'],
    ],
  );
  assert.equal(v1.loadAssignment?.localities[0].locality.zone, 'eu-1');
  assert.equal(v1.loadAssignment?.overprovisioningFactor, 140);

  assert.equal(v2.type, 'STRICT_DNS');
  assert.equal(v2.connectTimeoutMs, 5_000, "Envoy's default connect timeout");
  assert.equal(v2.dnsLookupFamily, 'V4_ONLY');
  assert.equal(v2.dnsRefreshRateMs, 5_000);
  assert.equal(v2.upstreamProtocol, 'http2');
  assert.deepEqual(v2.circuitBreakers, [
    { priority: 'DEFAULT', maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
  ]);
  assert.equal(v2.loadAssignment?.localities[0].endpoints[0].address.host, 'localhost');
});

test('JSON bootstrap with ADS: ads_config, lds/cds over ADS, camelCase keys accepted', () => {
  const b = value(load('ads.json'));
  assert.deepEqual(b.ads, { clusterName: 'xds-grpc', apiType: 'GRPC' });
  assert.equal(b.dynamicLds, true);
  assert.equal(b.dynamicCds, true);
  assert.equal(b.node.id, 'router~127.0.0.1~gw.default~default.svc.cluster.local');
  assert.equal(b.clusters[0].connectTimeoutMs, 1000);
  assert.equal(b.clusters[0].upstreamProtocol, 'http2');
  assert.equal(adsTargetOf(b), '127.0.0.1:15010');
  assert.equal(adsTargetOf(value(load('static-http.yaml'))), undefined);

  // Delta xDS: the ADS client picks DeltaAggregatedResources from it; other api types are refused.
  const ads = readFileSync(join(fixturesDir(), 'ads.json'), 'utf8');
  assert.equal(b.ads?.apiType, 'GRPC');
  assert.equal(
    value(decodeBootstrap(ads.replace('"GRPC"', '"DELTA_GRPC"'), 'delta.json')).ads?.apiType,
    'DELTA_GRPC',
  );
  assert.deepEqual(
    errors(decodeBootstrap(ads.replace('"GRPC"', '"REST"'), 'rest.json')).map((e) => e.path),
    ['dynamic_resources.ads_config.api_type'],
  );
});

test('TLS and TCP proxy: filter chain match, downstream and upstream TLS, SDS names, secrets, ring hash', () => {
  const read: string[] = [];
  const b = value(
    load('tls-tcp.yaml', (p) => {
      read.push(p);
      return 'KEY FROM FILE';
    }),
  );
  assert.deepEqual(read, ['key.pem'], 'DataSource filenames are read at decode time');
  const l = b.listeners[0];
  assert.deepEqual(l.listenerFilters, ['envoy.filters.listener.tls_inspector']);
  const chain = l.filterChains[0];
  assert.deepEqual(chain.match, {
    prefixRanges: ['10.0.0.0/8'],
    sourcePrefixRanges: [],
    serverNames: ['db.example.com'],
    transportProtocol: 'tls',
    applicationProtocols: [],
  });
  assert.equal(chain.tls?.requireClientCertificate, true);
  assert.deepEqual(chain.tls?.common.alpnProtocols, ['h2', 'http/1.1']);
  assert.equal(chain.tls?.common.minVersion, 'TLSv1_2');
  const cert = chain.tls?.common.certificates[0];
  assert.equal(cert?.kind, 'inline');
  if (cert?.kind === 'inline') assert.equal(cert.privateKey, 'KEY FROM FILE');
  assert.deepEqual(chain.tls?.common.validation, {
    kind: 'inline',
    trustedCa: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
    matchSubjectAltNames: [{ sanType: 'URI', kind: 'prefix', value: 'spiffe://cluster.local/ns/default/' }],
  });
  const tcp = chain.filter as TcpProxy;
  assert.equal(tcp.kind, 'tcp');
  assert.deepEqual(tcp.target, {
    kind: 'weighted',
    clusters: [
      { name: 'db_primary', weight: 3 },
      { name: 'db_replica', weight: 1 },
    ],
  });
  assert.equal(tcp.idleTimeoutMs, 60_000);

  const [primary, replica] = b.clusters;
  assert.equal(primary.tls?.sni, 'db.internal');
  assert.deepEqual(primary.tls?.common.certificates, [{ kind: 'sds', name: 'default' }]);
  assert.deepEqual(primary.tls?.common.validation, {
    kind: 'sds',
    name: 'ROOTCA',
    matchSubjectAltNames: [
      { sanType: 'URI', kind: 'exact', value: 'spiffe://cluster.local/ns/db/sa/primary' },
    ],
  });
  assert.equal(replica.lbPolicy, 'RING_HASH');
  assert.deepEqual(replica.lbConfig.ringHash, { minimumRingSize: 64, maximumRingSize: 8_388_608 });
  assert.equal(replica.lbConfig.healthyPanicThreshold, 25);
  assert.deepEqual(b.secrets, [{ name: 'server-cert', certificateChain: 'CERT', privateKey: 'KEY' }]);
});

test('HCM defaults and settings: timeouts, codec, HTTP/2 window sizes, header limits', () => {
  const r = decodeBootstrap(
    withHcm(`codec_type: HTTP2
stream_idle_timeout: 0s
request_timeout: 20s
max_request_headers_kb: 96
http2_protocol_options: { max_concurrent_streams: 100 }
common_http_protocol_options: { headers_with_underscores_action: REJECT_REQUEST }
http_filters:
${ROUTER}`),
    'hcm.yaml',
  );
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const hcm = hcmOf(r.value);
  assert.equal(hcm.codec, 'HTTP2');
  assert.equal(hcm.streamIdleTimeoutMs, 0, 'explicit 0 disables');
  assert.equal(hcm.requestTimeoutMs, 20_000);
  assert.equal(hcm.requestHeadersTimeoutMs, 0);
  assert.equal(hcm.idleTimeoutMs, 3_600_000, "Envoy's default connection idle timeout");
  assert.equal(hcm.maxRequestHeadersKb, 96);
  assert.equal(hcm.headersWithUnderscores, 'REJECT_REQUEST');
  assert.deepEqual(hcm.http2, {
    maxConcurrentStreams: 100,
    initialStreamWindowSize: 268_435_456,
    initialConnectionWindowSize: 268_435_456,
  });
});

test('YAML anchors and merge keys resolve before decoding', () => {
  const text = `x-endpoint: &ep { address: { socket_address: { address: 127.0.0.1, port_value: 9000 } } }
static_resources:
  clusters:
  - &base
    name: a
    type: STATIC
    connect_timeout: 2s
    load_assignment: { cluster_name: a, endpoints: [{ lb_endpoints: [{ endpoint: *ep }] }] }
  - <<: *base
    name: b
`;
  // Top-level extension keys are not part of the Bootstrap message, as in Envoy.
  const errs = errors(decodeBootstrap(text, 'anchors.yaml'));
  assert.deepEqual(
    errs.map((e) => e.path),
    ['x-endpoint'],
  );
  const b = value(
    decodeBootstrap(
      text
        .replace(/^x-endpoint: &ep (.*)$/m, 'node: { id: n }')
        .replace('*ep', '{ address: { socket_address: { address: 127.0.0.1, port_value: 9000 } } }'),
      'a.yaml',
    ),
  );
  assert.deepEqual(
    b.clusters.map((c) => [c.name, c.connectTimeoutMs]),
    [
      ['a', 2000],
      ['b', 2000],
    ],
  );
});

test('decodeBootstrapDetailed also returns the Bootstrap as proto3 JSON for config_dump', () => {
  const text = readFileSync(join(fixturesDir(), 'ads.json'), 'utf8');
  const r = decodeBootstrapDetailed(text, 'ads.json');
  assert.ok(r.ok);
  const json = r.value.json as {
    static_resources: { clusters: { name: string; connect_timeout: string }[] };
  };
  assert.equal(json.static_resources.clusters[0].name, 'xds-grpc');
  assert.equal(json.static_resources.clusters[0].connect_timeout, '1s');
  assert.equal(r.value.bootstrap.ads?.clusterName, 'xds-grpc');
});
