// Every supported route, listener and cluster feature decoded from Envoy YAML, checked field by field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ForwardAction, RouteAction } from '../config/route.js';
import { hcmOf, load, value } from './decode.test-util.js';

function forward(a: RouteAction): ForwardAction {
  assert.equal(a.kind, 'forward');
  return a as ForwardAction;
}

test('listener features: original destination, listener filters, default chain, chain match, HCM flags', () => {
  const b = value(load('route-features.yaml', (p) => `contents of ${p}`));
  const l = b.listeners[0];
  assert.equal(l.useOriginalDst, true);
  assert.deepEqual(l.listenerFilters, [
    'envoy.filters.listener.original_dst',
    'envoy.filters.listener.http_inspector',
  ]);
  assert.equal(l.defaultFilterChain?.name, 'PassthroughFilterChain');
  assert.deepEqual(l.defaultFilterChain?.filter, {
    kind: 'tcp',
    statPrefix: 'PassthroughCluster',
    target: { kind: 'cluster', name: 'PassthroughCluster' },
    idleTimeoutMs: 3_600_000,
    accessLogs: [],
  });
  assert.equal(l.filterChains[0].match.destinationPort, 9080);
  assert.deepEqual(l.filterChains[0].match.applicationProtocols, ['http/1.1', 'h2c']);
  const hcm = hcmOf(b);
  assert.equal(hcm.normalizePath, true);
  assert.equal(hcm.mergeSlashes, true);
  assert.equal(hcm.stripAnyHostPort, true);
  assert.equal(hcm.forwardClientCertDetails, 'APPEND_FORWARD');
  assert.deepEqual(hcm.accessLogs, [
    {
      path: 'stdout',
      format: { kind: 'json', fields: { method: '%REQ(:METHOD)%', code: '%RESPONSE_CODE%' } },
    },
  ]);
  assert.deepEqual(hcm.httpFilters[0].config, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
  });
});

test('route features: matches, header edits, CORS, rewrites, timeouts, mirrors, hashing, retries, redirects', () => {
  const hcm = hcmOf(value(load('route-features.yaml', (p) => `contents of ${p}`)));
  assert.equal(hcm.routes.kind, 'inline');
  if (hcm.routes.kind !== 'inline') return;
  const rc = hcm.routes.config;
  assert.deepEqual(rc.headers.requestRemove, ['x-internal']);
  const vh = rc.virtualHosts[0];
  assert.deepEqual(vh.domains, [
    'reviews.default.svc.cluster.local',
    'reviews:9080',
    '*.reviews.example.com',
  ]);
  assert.deepEqual(vh.cors, {
    allowOrigins: [{ kind: 'suffix', value: '.example.com', ignoreCase: false }],
    allowMethods: 'GET,POST',
    allowHeaders: '',
    exposeHeaders: '',
    maxAge: '600',
    allowCredentials: true,
  });
  const [canary, grpc, login, old, teapot] = vh.routes;

  assert.equal(canary.name, 'canary');
  assert.equal(canary.match.caseSensitive, false);
  assert.equal(canary.match.fraction, 0.25);
  assert.deepEqual(
    canary.match.headers.map((h) => [h.name, h.match, h.invert]),
    [
      ['x-version', { kind: 'present', present: true }, false],
      ['x-debug', { kind: 'present', present: true }, true],
      ['x-size', { kind: 'range', start: 1, end: 100 }, false],
      ['x-user', { kind: 'string', string: { kind: 'prefix', value: 'test-', ignoreCase: true } }, false],
    ],
  );
  assert.deepEqual(canary.match.queryParameters, [
    { name: 'v', match: { kind: 'string', string: { kind: 'regex', pattern: '^[0-9]+$' } } },
  ]);
  assert.deepEqual(canary.headers.requestAdd, [
    { key: 'x-canary', value: '1', action: 'ADD_IF_ABSENT', keepEmptyValue: false },
  ]);
  assert.deepEqual(canary.headers.responseRemove, ['x-powered-by']);
  const a = forward(canary.action);
  assert.deepEqual(a.target, { kind: 'cluster', name: 'reviews-v2' });
  assert.deepEqual(a.regexRewrite, { pattern: '^/reviews/(.*)$', substitution: '/v2/\\1' });
  assert.equal(a.hostRewrite, 'reviews-v2.internal');
  assert.equal(a.idleTimeoutMs, 30_000);
  assert.equal(a.timeoutMs, 0, 'an explicit 0s disables the route timeout');
  assert.equal(a.maxStreamDurationMs, 60_000);
  assert.equal(a.grpcTimeoutHeaderMaxMs, 10_000);
  assert.deepEqual(a.upgrades, ['websocket']);
  assert.deepEqual(a.mirrors, [{ cluster: 'reviews-shadow', fraction: 0.5 }]);
  assert.deepEqual(a.hashPolicies, [
    { kind: 'cookie', name: 'session', ttlMs: 3_600_000, path: '/', terminal: true },
    { kind: 'sourceIp', terminal: false },
    { kind: 'queryParameter', name: 'user', terminal: false },
  ]);
  assert.deepEqual(a.retryPolicy, {
    retryOn: ['5xx', 'retriable-status-codes'],
    numRetries: 1,
    perTryTimeoutMs: 0,
    perTryIdleTimeoutMs: 3000,
    retriableStatusCodes: [503, 504],
    retriableHeaders: [
      {
        name: 'x-retry',
        match: { kind: 'string', string: { kind: 'exact', value: 'yes', ignoreCase: false } },
        invert: false,
        treatMissingAsEmpty: false,
      },
    ],
    retriableRequestHeaders: [],
    backoffBaseMs: 100,
    backoffMaxMs: 2000,
    avoidPreviousHosts: false,
    hostSelectionRetryMaxAttempts: 5,
  });

  assert.equal(grpc.match.grpc, true);
  assert.deepEqual(grpc.match.path, { kind: 'separatedPrefix', value: '/grpc.health.v1.Health' });
  assert.equal(forward(grpc.action).autoHostRewrite, true);
  assert.deepEqual(login.action, {
    kind: 'redirect',
    status: 302,
    stripQuery: true,
    scheme: 'https',
    host: 'login.example.com',
    port: 8443,
  });
  assert.deepEqual(old.action, { kind: 'redirect', status: 303, stripQuery: false, prefixRewrite: '/new/' });
  assert.deepEqual(teapot.action, { kind: 'direct', status: 418, body: 'contents of /etc/teapot.txt' });
});

test('cluster features: EDS service name, Maglev, locality weighting, thresholds, outlier detection, protocols, TLS', () => {
  const b = value(load('cluster-features.yaml', (p) => `PEM from ${p}`));
  const [reviews, api, passthrough] = b.clusters;
  assert.equal(reviews.type, 'EDS');
  assert.equal(reviews.edsServiceName, 'reviews-v1');
  assert.equal(reviews.altStatName, 'reviews_v1');
  assert.equal(reviews.lbPolicy, 'MAGLEV');
  assert.deepEqual(reviews.lbConfig, {
    healthyPanicThreshold: 50,
    localityWeighted: true,
    maglev: { tableSize: 5003 },
  });
  assert.deepEqual(reviews.metadata.istio, {
    services: [{ host: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default' }],
  });
  assert.deepEqual(reviews.circuitBreakers, [
    { priority: 'DEFAULT', maxConnections: 10, maxPendingRequests: 20, maxRequests: 30, maxRetries: 4 },
    {
      priority: 'HIGH',
      maxConnections: 1024,
      maxPendingRequests: 1024,
      maxRequests: 1024,
      maxRetries: 3,
      retryBudget: { budgetPercent: 25, minRetryConcurrency: 5 },
    },
  ]);
  assert.deepEqual(reviews.outlierDetection, {
    consecutive5xx: 7,
    consecutiveGatewayFailure: 3,
    consecutiveLocalOriginFailure: 2,
    intervalMs: 5000,
    baseEjectionTimeMs: 15_000,
    maxEjectionTimeMs: 60_000,
    maxEjectionPercent: 50,
    enforcingConsecutive5xx: 100,
    enforcingConsecutiveGatewayFailure: 100,
    enforcingConsecutiveLocalOriginFailure: 100,
    enforcingSuccessRate: 100,
    enforcingFailurePercentage: 50,
    successRateMinimumHosts: 3,
    successRateRequestVolume: 10,
    successRateStdevFactor: 1500,
    failurePercentageThreshold: 90,
    failurePercentageMinimumHosts: 2,
    failurePercentageRequestVolume: 20,
    splitExternalLocalOriginErrors: true,
  });
  assert.equal(reviews.upstreamProtocol, 'downstream');
  assert.equal(reviews.idleTimeoutMs, 90_000);
  assert.equal(reviews.maxRequestsPerConnection, 100);

  assert.equal(api.type, 'LOGICAL_DNS');
  assert.equal(api.dnsRefreshRateMs, 30_000);
  assert.equal(api.dnsLookupFamily, 'V4_PREFERRED');
  assert.equal(api.loadAssignment?.localities[0].endpoints[0].hostname, 'api.example.com');
  assert.equal(api.tls?.sni, 'api.example.com');
  assert.equal(api.tls?.common.validation?.kind, 'inline');
  if (api.tls?.common.validation?.kind === 'inline') {
    assert.equal(api.tls.common.validation.trustedCa, 'PEM from /etc/ssl/ca.pem');
    // The deprecated untyped SAN matcher applies to every SAN type.
    assert.deepEqual(
      api.tls.common.validation.matchSubjectAltNames.map((m) => m.sanType),
      ['URI', 'DNS', 'EMAIL', 'IP_ADDRESS'],
    );
  }

  assert.equal(passthrough.type, 'ORIGINAL_DST');
  assert.equal(passthrough.lbPolicy, 'CLUSTER_PROVIDED');
  assert.equal(passthrough.connectTimeoutMs, 10_000);
  assert.equal(passthrough.loadAssignment, undefined);
});
