// Simulation: DestinationRule → cluster settings as the proxy decodes them: load balancer (simple,
// consistent hash with the route's hash policy, locality), connection pool, outlier detection, TLS,
// subsets with their own traffic policy, port-level settings, and which rule applies (namespace order).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import type { ForwardAction } from '../../src/proxy/config/route.js';
import { reviews, SERVICES, sidecar } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { Simulation } from './simulate.js';

const withDr = (spec: string, namespace = 'default', name = 'reviews-policy') => `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${spec}`;

// SERVICES already has a DestinationRule for reviews (subsets only); these tests use ratings and details.
const sim = (extra: string, ns = 'default') =>
  new Simulation(snapshotFromYaml(SERVICES + extra), sidecar('productpage-v1', ns));
const ratings = (port = 9080, subset = '') => `outbound|${port}|${subset}|ratings.default.svc.cluster.local`;

test("Istio's defaults without a DestinationRule: LEAST_REQUEST, 10 s connect timeout, unlimited thresholds, EDS", () => {
  const c = sim('').cluster(ratings());
  assert.equal(c.type, 'EDS');
  assert.equal(c.edsServiceName, ratings());
  assert.equal(c.lbPolicy, 'LEAST_REQUEST');
  assert.equal(c.connectTimeoutMs, 10_000);
  assert.equal(c.circuitBreakers[0].maxConnections, 4_294_967_295);
  assert.equal(c.outlierDetection, undefined);
  assert.equal(c.upstreamProtocol === 'http2', false);
});

test('grpc ports get HTTP/2 upstream', () => {
  assert.equal(sim('').cluster(ratings(9090)).upstreamProtocol, 'http2');
});

test('loadBalancer simple and connection pool', () => {
  const c = sim(
    withDr(`  host: ratings
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
    connectionPool:
      tcp: { maxConnections: 1, connectTimeout: 250ms }
      http: { http1MaxPendingRequests: 2, http2MaxRequests: 3, maxRequestsPerConnection: 4, maxRetries: 5 }`),
  ).cluster(ratings());
  assert.equal(c.lbPolicy, 'ROUND_ROBIN');
  assert.equal(c.connectTimeoutMs, 250);
  const t = c.circuitBreakers[0];
  assert.deepEqual([t.maxConnections, t.maxPendingRequests, t.maxRequests, t.maxRetries], [1, 2, 3, 5]);
  assert.equal(c.maxRequestsPerConnection, 4);
});

test('consistentHash: ring hash cluster and the hash policy on the route', () => {
  const s = sim(
    withDr(`  host: ratings
  trafficPolicy:
    loadBalancer: { consistentHash: { httpHeaderName: x-user, ringHash: { minimumRingSize: 2048 } } }`),
  );
  const c = s.cluster(ratings());
  assert.equal(c.lbPolicy, 'RING_HASH');
  assert.equal(c.lbConfig.ringHash?.minimumRingSize, 2048);
  const action = s.call({ host: 'ratings', port: 9080 }).route?.route.action as ForwardAction;
  assert.deepEqual(action.hashPolicies, [{ kind: 'header', name: 'x-user', terminal: false }]);
  const cookie = sim(
    withDr(`  host: ratings
  trafficPolicy:
    loadBalancer: { consistentHash: { httpCookie: { name: session, ttl: 60s }, maglev: { tableSize: 65537 } } }`),
  );
  assert.equal(cookie.cluster(ratings()).lbPolicy, 'MAGLEV');
  const cookieRoute = cookie.call({ host: 'ratings', port: 9080 }).route;
  assert.ok(cookieRoute);
  const hp = (cookieRoute.route.action as ForwardAction).hashPolicies[0];
  assert.deepEqual(hp, { kind: 'cookie', name: 'session', ttlMs: 60_000, terminal: false });
});

test('outlier detection with minHealthPercent as the panic threshold', () => {
  const c = sim(
    withDr(`  host: ratings
  trafficPolicy:
    outlierDetection: { consecutive5xxErrors: 3, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50, minHealthPercent: 20 }`),
  ).cluster(ratings());
  const o = c.outlierDetection;
  assert.equal(o?.consecutive5xx, 3);
  assert.equal(o?.enforcingConsecutive5xx, 100);
  assert.equal(o?.intervalMs, 10_000);
  assert.equal(o?.baseEjectionTimeMs, 30_000);
  assert.equal(o?.maxEjectionPercent, 50);
  assert.equal(o?.enforcingSuccessRate, 0);
  assert.equal(c.lbConfig.healthyPanicThreshold, 20);
});

test('subsets: own clusters, endpoints by labels, subset policy overrides the top level', () => {
  const s = sim(
    withDr(`  host: ratings
  trafficPolicy: { loadBalancer: { simple: RANDOM } }
  subsets:
  - name: v1
    labels: { version: v1 }
    trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }
  - name: v2
    labels: { version: v2 }`),
  );
  assert.ok(s.clusterNames().includes(ratings(9080, 'v1')));
  assert.ok(s.clusterNames().includes(ratings(9090, 'v2')), 'subset clusters exist for every port');
  assert.equal(s.cluster(ratings(9080, 'v1')).lbPolicy, 'ROUND_ROBIN');
  assert.equal(s.cluster(ratings(9080, 'v2')).lbPolicy, 'RANDOM');
  assert.deepEqual(s.endpoints(ratings(9080, 'v1')), ['10.0.1.1:9080']);
  assert.deepEqual(s.endpoints(ratings(9080, 'v2')), []);
});

test('portLevelSettings apply to their port only', () => {
  const s = sim(
    withDr(`  host: ratings
  trafficPolicy:
    loadBalancer: { simple: RANDOM }
    portLevelSettings:
    - port: { number: 9090 }
      loadBalancer: { simple: ROUND_ROBIN }
      connectionPool: { tcp: { maxConnections: 7 } }`),
  );
  assert.equal(s.cluster(ratings(9080)).lbPolicy, 'RANDOM');
  assert.equal(s.cluster(ratings(9090)).lbPolicy, 'ROUND_ROBIN');
  assert.equal(s.cluster(ratings(9090)).circuitBreakers[0].maxConnections, 7);
});

test('tls SIMPLE from files (SDS file-root:) and ISTIO_MUTUAL through SDS', () => {
  const simple = sim(
    withDr(`  host: ratings
  trafficPolicy:
    tls: { mode: SIMPLE, caCertificates: /etc/certs/ca.pem, sni: ratings.example.com, subjectAltNames: [ratings.example.com] }`),
  ).cluster(ratings());
  assert.equal(simple.tls?.sni, 'ratings.example.com');
  // The CA file as Istio's SDS file resource, which the proxy's secret store reads and watches.
  assert.deepEqual(simple.tls?.common.validation, {
    kind: 'sds',
    name: 'file-root:/etc/certs/ca.pem',
    matchSubjectAltNames: simple.tls?.common.validation?.matchSubjectAltNames,
  });
  // Untyped SAN matchers match the name as any SAN type.
  assert.deepEqual(
    [...new Set(simple.tls?.common.validation?.matchSubjectAltNames.map((m) => `${m.kind}:${m.value}`))],
    ['exact:ratings.example.com'],
  );
  const mutual = sim(
    withDr(`  host: ratings
  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }`),
  ).cluster(ratings());
  assert.deepEqual(mutual.tls?.common.certificates, [{ kind: 'sds', name: 'default' }]);
  assert.equal(mutual.tls?.common.validation?.kind, 'sds');
});

test("locality failover priorities follow the proxy's locality when outlier detection is on", () => {
  const yaml = `${SERVICES.replace('spec: { address: 10.0.1.1, labels: { app: ratings, version: v1 } }', 'spec: { address: 10.0.1.1, labels: { app: ratings, version: v1 }, locality: us-east/a }')}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ratings-far, namespace: default }
spec: { address: 10.9.1.1, labels: { app: ratings, version: v1 }, locality: eu-west/b }
${withDr(`  host: ratings
  trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5 } }`)}`;
  const proxy = proxyFromNode(
    'sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local',
    {},
    { region: 'us-east', zone: 'a' },
  );
  const cla = new Simulation(snapshotFromYaml(yaml), proxy).loadAssignment(ratings());
  const byPriority = cla.localities.map((l) => [l.locality.region, l.priority]);
  assert.deepEqual(byPriority.sort(), [
    ['eu-west', 1],
    ['us-east', 0],
  ]);
});

test('the proxy namespace DestinationRule wins over the root namespace one', () => {
  const rootOnly = sim(
    withDr(
      `  host: ratings.default.svc.cluster.local
  trafficPolicy: { loadBalancer: { simple: RANDOM } }`,
      'istio-system',
      'mesh-wide',
    ),
  );
  assert.equal(rootOnly.cluster(ratings()).lbPolicy, 'RANDOM');
  const both = sim(
    withDr(
      `  host: ratings.default.svc.cluster.local
  trafficPolicy: { loadBalancer: { simple: RANDOM } }`,
      'istio-system',
      'mesh-wide',
    ) +
      withDr(`  host: ratings
  trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }`),
  );
  assert.equal(both.cluster(ratings()).lbPolicy, 'ROUND_ROBIN');
});

test('a DestinationRule exported only to its own namespace does not apply elsewhere', () => {
  const yaml = withDr(`  host: ratings.default.svc.cluster.local
  exportTo: ["."]
  trafficPolicy: { loadBalancer: { simple: RANDOM } }`);
  assert.equal(sim(yaml, 'default').cluster(ratings()).lbPolicy, 'RANDOM');
  assert.equal(sim(yaml, 'other').cluster(ratings()).lbPolicy, 'LEAST_REQUEST');
});

test('the reviews subset clusters exist for the existing rule', () => {
  assert.ok(sim('').clusterNames().includes(reviews('v3')));
});

test('ServiceEntry with DNS resolution: a STRICT_DNS cluster over its endpoints (or its own host)', () => {
  const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: external, namespace: default }
spec:
  hosts: [api.example.com]
  ports: [{ number: 443, name: https, protocol: HTTPS }]
  resolution: DNS
  endpoints: [{ address: a.example.net }, { address: b.example.net }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: plain, namespace: default }
spec:
  hosts: [plain.example.com]
  ports: [{ number: 80, name: http, protocol: HTTP }]
  resolution: DNS
`;
  const s = new Simulation(snapshotFromYaml(yaml), sidecar());
  const c = s.cluster('outbound|443||api.example.com');
  assert.equal(c.type, 'STRICT_DNS');
  assert.deepEqual(
    c.loadAssignment?.localities[0].endpoints.map((e) => e.address),
    [
      { host: 'a.example.net', port: 443 },
      { host: 'b.example.net', port: 443 },
    ],
  );
  const plain = s.cluster('outbound|80||plain.example.com');
  assert.deepEqual(
    plain.loadAssignment?.localities[0].endpoints.map((e) => e.address),
    [{ host: 'plain.example.com', port: 80 }],
  );
  assert.equal(s.call({ host: 'plain.example.com', port: 80 }).cluster, 'outbound|80||plain.example.com');
});

test('locality failover rules and failoverPriority labels order endpoint priorities', () => {
  const endpoints = `
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: r-local, namespace: default }
spec: { address: 10.5.0.1, labels: { app: ratings, net: a }, locality: us-east/z1 }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: r-eu, namespace: default }
spec: { address: 10.5.0.2, labels: { app: ratings, net: b }, locality: eu-west/z1 }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: r-ap, namespace: default }
spec: { address: 10.5.0.3, labels: { app: ratings, net: a }, locality: ap-south/z1 }
`;
  const proxy = proxyFromNode(
    'sidecar~10.0.0.9~pp.default~default.svc.cluster.local',
    { LABELS: { net: 'a' } },
    { region: 'us-east', zone: 'z1' },
  );
  const prioritiesOf = (policy: string) => {
    const s = new Simulation(
      snapshotFromYaml(SERVICES + endpoints + withDr(`  host: ratings\n  trafficPolicy:\n${policy}`)),
      proxy,
    );
    const cla = s.loadAssignment(ratings());
    return Object.fromEntries(
      cla.localities.flatMap((l) => l.endpoints.map((e) => [e.address.host, l.priority])),
    );
  };
  const byFailover = prioritiesOf(`    outlierDetection: { consecutive5xxErrors: 1 }
    loadBalancer: { localityLbSetting: { enabled: true, failover: [{ from: us-east, to: ap-south }] } }`);
  assert.equal(byFailover['10.5.0.1'], 0);
  assert.equal(byFailover['10.5.0.3'], 1, 'the failover target region comes next');
  assert.equal(byFailover['10.5.0.2'], 2);
  const byLabels = prioritiesOf(`    outlierDetection: { consecutive5xxErrors: 1 }
    loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: [net] } }`);
  assert.equal(byLabels['10.5.0.1'], 0);
  assert.equal(byLabels['10.5.0.3'], 0);
  assert.equal(byLabels['10.5.0.2'], 1);
});
