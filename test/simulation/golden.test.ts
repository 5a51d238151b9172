// Golden config dumps for representative setups: the full generated config (proto3 JSON, Envoy field names)
// must match the checked-in file. Run with UPDATE_GOLDEN=1 to rewrite the files after an intended change.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { configDump } from '../../src/controlplane/translate/dump.js';
import { projectRoot } from '../helpers/trellis-bin.js';
import { BOOKINFO, SERVICES } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';

// Golden files live in the source tree (compiled tests under dist/ read them there too).
const goldenDir = `${projectRoot()}/test/simulation/golden/`;

function checkGolden(name: string, value: unknown): void {
  const file = `${goldenDir}${name}.json`;
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    writeFileSync(file, text);
    return;
  }
  // Compared as data, so reformatting the file (biome) does not matter.
  assert.deepStrictEqual(
    JSON.parse(text),
    JSON.parse(readFileSync(file, 'utf8')),
    `${name}.json differs (UPDATE_GOLDEN=1 rewrites it)`,
  );
}

test('golden: BookInfo productpage sidecar in local mode (HTTP proxy, inbound, 90/10 reviews)', () => {
  const yaml = `${BOOKINFO}
---
apiVersion: v1
kind: Service
metadata: { name: details, namespace: default }
spec: { selector: { app: details }, ports: [{ name: http, port: 9080 }] }
`;
  const proxy = proxyFromNode('sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local', {
    LABELS: { app: 'productpage', version: 'v1' },
    TRELLIS_OUTBOUND_PORT: '15001',
    TRELLIS_INBOUND_PORT: '15006',
    TRELLIS_INBOUND_ADDRESS: '10.0.0.9',
    TRELLIS_APP_PORTS: '{"9080": 19080}',
  });
  checkGolden('bookinfo-productpage', configDump(new TranslateContext(snapshotFromYaml(yaml), proxy)));
});

test('golden: ingress gateway with a bound VirtualService', () => {
  const yaml = `${SERVICES}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: bookinfo-gateway, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookinfo, namespace: default }
spec:
  hosts: ["*"]
  gateways: [istio-system/bookinfo-gateway]
  http:
  - match: [{ uri: { prefix: /reviews } }]
    route: [{ destination: { host: reviews, subset: v1 } }]
  - route: [{ destination: { host: details, port: { number: 9080 } } }]
`;
  const proxy = proxyFromNode('router~127.0.0.1~ingressgateway.istio-system~istio-system.svc.cluster.local', {
    LABELS: { istio: 'ingressgateway' },
    TRELLIS_GATEWAY_ADDRESS: '127.0.0.1',
  });
  checkGolden('ingress-gateway', configDump(new TranslateContext(snapshotFromYaml(yaml), proxy)));
});

test('golden: resilience policy (pool, outlier detection, retries, timeout, fault, mirror)', () => {
  const yaml = `${SERVICES}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: default }
spec:
  host: ratings
  trafficPolicy:
    connectionPool: { tcp: { maxConnections: 10, connectTimeout: 1s }, http: { http1MaxPendingRequests: 5, maxRequestsPerConnection: 1 } }
    outlierDetection: { consecutive5xxErrors: 2, interval: 5s, baseEjectionTime: 30s, maxEjectionPercent: 100 }
    loadBalancer: { consistentHash: { httpHeaderName: x-user } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ratings, namespace: default }
spec:
  hosts: [ratings]
  http:
  - match: [{ port: 9080 }]
    timeout: 3s
    retries: { attempts: 3, perTryTimeout: 1s, retryOn: "gateway-error,connect-failure,503" }
    fault: { abort: { httpStatus: 500, percentage: { value: 10 } } }
    mirror: { host: details }
    mirrorPercentage: { value: 5 }
    route: [{ destination: { host: ratings, port: { number: 9080 } } }]
`;
  const proxy = proxyFromNode('sidecar~10.0.2.1~details-v1.default~default.svc.cluster.local', {
    LABELS: { app: 'details', version: 'v1' },
  });
  const dump = configDump(new TranslateContext(snapshotFromYaml(yaml), proxy));
  // Only what this setup is about: the ratings clusters and route config 9080.
  const pick = {
    clusters: dump.clusters.filter((c) => JSON.stringify(c).includes('ratings')),
    routes: dump.routes.filter((r) => (r as { name: string }).name === '9080'),
  };
  checkGolden('ratings-resilience', pick);
});

test('golden: mesh mTLS on a sidecar in local mode (PERMISSIVE by default, reviews STRICT on its workload)', () => {
  const yaml = `${BOOKINFO}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: reviews, namespace: default }
spec: { selector: { matchLabels: { app: reviews } }, mtls: { mode: STRICT } }
`;
  const proxy = proxyFromNode('sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local', {
    LABELS: { app: 'productpage', version: 'v1' },
    TRELLIS_OUTBOUND_PORT: '15001',
    TRELLIS_INBOUND_PORT: '15006',
    TRELLIS_INBOUND_ADDRESS: '10.0.0.9',
    TRELLIS_APP_PORTS: '{"9080": 19080}',
  });
  const dump = configDump(new TranslateContext(snapshotFromYaml(yaml, { meshMtls: true }), proxy));
  // The parts mTLS changes: the inbound listener and the outbound clusters' transports.
  const pick = {
    listeners: dump.listeners.filter((l) => (l as { name: string }).name === 'virtualInbound'),
    clusters: dump.clusters.filter((c) => (c as { name: string }).name.startsWith('outbound|9080||')),
  };
  checkGolden('mesh-mtls', pick);
});
