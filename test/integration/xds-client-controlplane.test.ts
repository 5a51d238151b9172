// The proxy's ADS client against the real control plane on loopback: everything the translator emits for a
// BookInfo-like mesh (retries, timeouts, faults, weights, outlier detection, connection pools) is decoded
// and ACKed — no NACK — and warms in Envoy's order into a complete resource set.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ControlPlane } from '../../src/controlplane/server.js';
import type { ProxyResources } from '../../src/proxy/config/bootstrap.js';
import { AdsClient, type AdsEvent, nodeIdentityFor, TypeUrl } from '../../src/proxy/xds-client/index.js';
import { SERVICES } from '../simulation/fixtures.js';

const TRAFFIC = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - match: [{ headers: { end-user: { exact: jason } }, uri: { prefix: /reviews } }]
    fault: { delay: { percentage: { value: 50 }, fixedDelay: 1s } }
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 80 }
    - { destination: { host: reviews, subset: v3 }, weight: 20 }
    timeout: 3s
    retries: { attempts: 3, perTryTimeout: 1s, retryOn: "5xx,connect-failure" }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: default }
spec:
  host: ratings
  trafficPolicy:
    loadBalancer: { simple: LEAST_REQUEST }
    connectionPool: { tcp: { maxConnections: 50 }, http: { http1MaxPendingRequests: 10, maxRetries: 2 } }
    outlierDetection: { consecutive5xxErrors: 3, interval: 5s, baseEjectionTime: 30s }
`;

let dir: string;
let cp: ControlPlane;
let client: AdsClient | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-xds-client-'));
  writeFileSync(join(dir, 'services.yaml'), SERVICES);
  writeFileSync(join(dir, 'traffic.yaml'), TRAFFIC);
  cp = await ControlPlane.start({ configDir: dir, xdsPort: 0, httpPort: 0, watch: false });
});

after(async () => {
  client?.stop();
  await cp.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the control plane’s full configuration for a sidecar is accepted and warms into a complete set', async () => {
  const events: AdsEvent[] = [];
  let latest: ProxyResources | undefined;
  let settled: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    settled = resolve;
  });
  client = new AdsClient({
    target: `127.0.0.1:${cp.xdsPort}`,
    node: nodeIdentityFor({
      ip: '127.0.0.1',
      workload: 'productpage-v1',
      namespace: 'default',
      serviceAccount: 'bookinfo-productpage',
      labels: { app: 'productpage', version: 'v1' },
    }),
    onEvent: (e) => {
      events.push(e);
      if (e.kind === 'nack') settled();
    },
    onUpdate: (r) => {
      latest = r;
      // Complete: listeners serve and every route they name is present.
      if (r.listeners.size > 0 && client?.status().types.route.resourceNames?.every((n) => r.routes.has(n)))
        settled();
    },
  });
  client.start();
  await Promise.race([
    done,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no complete update in 10 s')), 10_000)),
  ]);

  const nacks = events.filter((e) => e.kind === 'nack');
  assert.deepEqual(
    nacks.map((e) => (e.kind === 'nack' ? e.nack.errors : [])),
    [],
    'the proxy accepts everything the control plane sends',
  );
  assert.ok(latest);
  const status = client.status();
  assert.equal(status.types.cluster.warming.length, 0);
  assert.equal(status.types.listener.warming.length, 0);
  assert.notEqual(status.types.cluster.versionInfo, '');
  assert.notEqual(status.types.listener.versionInfo, '');

  // The subscription order was Envoy's: CDS first, then EDS, then LDS, then RDS.
  const firstRequest = (typeUrl: string) =>
    events.findIndex((e) => e.kind === 'request' && e.typeUrl === typeUrl);
  const order = [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.listener, TypeUrl.route].map(firstRequest);
  assert.ok(
    order.every((i) => i >= 0),
    `all four types requested: ${order}`,
  );
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
  );

  // Translated settings arrive decoded.
  const ratings = [...latest.clusters.values()].find(
    (c) => c.name === 'outbound|9080||ratings.default.svc.cluster.local',
  );
  assert.equal(ratings?.lbPolicy, 'LEAST_REQUEST');
  assert.equal(ratings?.outlierDetection?.consecutive5xx, 3);
  assert.equal(ratings?.circuitBreakers[0].maxConnections, 50);
  const routes = [...latest.routes.values()]
    .flatMap((rc) => rc.virtualHosts)
    .find((v) => v.name.startsWith('reviews.default.svc.cluster.local'));
  assert.ok(routes, 'a reviews virtual host');
  const weighted = routes.routes
    .map((r) => r.action)
    .find((a) => a.kind === 'forward' && a.target.kind === 'weighted');
  assert.ok(weighted && weighted.kind === 'forward' && weighted.target.kind === 'weighted');
  assert.deepEqual(
    weighted.target.clusters.map((c) => c.weight),
    [80, 20],
  );
  assert.equal(weighted.timeoutMs, 3000);
  assert.equal(weighted.retryPolicy?.numRetries, 3);
});
