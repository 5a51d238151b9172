// Simulation: a Gateway API Gateway and the article's HTTPRoute (test/fixtures/seed/payment-route.yaml) on the
// ingress gateway: the canary path goes to payment-svc-v1/v2 weighted 90/10, anything else is a 404.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { listenersFor } from '../../src/controlplane/translate/listener/index.js';
import { projectRoot } from '../helpers/trellis-bin.js';
import { decodeErrors } from './decode-all.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { Simulation } from './simulate.js';

const ROUTE = readFileSync(join(projectRoot(), 'test/fixtures/seed/payment-route.yaml'), 'utf8');

const CLUSTER = `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: production-gateway, namespace: default }
spec:
  gatewayClassName: istio
  listeners:
  - { name: http, port: 80, protocol: HTTP }
---
apiVersion: v1
kind: Service
metadata: { name: payment-svc-v1, namespace: default }
spec: { selector: { app: payment, version: v1 }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: payment-svc-v2, namespace: default }
spec: { selector: { app: payment, version: v2 }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: payment-v1, namespace: default }
spec: { address: 10.0.5.1, labels: { app: payment, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: payment-v2, namespace: default }
spec: { address: 10.0.5.2, labels: { app: payment, version: v2 } }
---
`;

const ingress = (labels: Record<string, string> = { istio: 'ingressgateway' }) =>
  proxyFromNode('router~10.0.9.9~ingressgateway-1.istio-system~istio-system.svc.cluster.local', {
    LABELS: labels,
    TRELLIS_GATEWAY_ADDRESS: '127.0.0.1',
  });

const V1 = 'outbound|80||payment-svc-v1.default.svc.cluster.local';
const V2 = 'outbound|80||payment-svc-v2.default.svc.cluster.local';

test('the article HTTPRoute splits api.astratech.ae/api/v2/payment 90/10 between v1 and v2', () => {
  const snap = snapshotFromYaml(CLUSTER + ROUTE);
  const gw = new Simulation(snap, ingress());
  const r = gw.call({ host: 'api.astratech.ae', port: 80, path: '/api/v2/payment' });
  assert.equal(r.routeConfig, 'http.80');
  assert.deepEqual(r.weighted, [
    { name: V1, weight: 90 },
    { name: V2, weight: 10 },
  ]);
  assert.equal(
    gw.call({ host: 'api.astratech.ae', port: 80, path: '/api/v2/payment/charge', random: 0.5 }).cluster,
    V1,
  );
  const canary = gw.call({
    host: 'api.astratech.ae',
    port: 80,
    path: '/api/v2/payment/charge',
    random: 0.95,
  });
  assert.equal(canary.cluster, V2);
  assert.deepEqual(canary.endpoints, ['10.0.5.2:8080']);
  assert.equal(gw.call({ host: 'api.astratech.ae:80', port: 80, path: '/api/v2/payment' }).cluster, V1);
  assert.deepEqual(decodeErrors(snap, ingress()), []);
  assert.deepEqual(
    listenersFor(new TranslateContext(snap, ingress())).map((l) => l.name),
    ['0.0.0.0_80'],
  );
});

test('other paths and hosts on the gateway get 404 (no route)', () => {
  const gw = new Simulation(snapshotFromYaml(CLUSTER + ROUTE), ingress());
  for (const path of ['/', '/api/v2', '/api/v2/paymentX', '/api/v1/payment']) {
    const r = gw.call({ host: 'api.astratech.ae', port: 80, path });
    assert.equal(r.status, 404, path);
    assert.equal(r.route, undefined, path);
  }
  assert.equal(gw.call({ host: 'other.astratech.ae', port: 80, path: '/api/v2/payment' }).status, 404);
  assert.equal(
    gw.call({ host: 'other.astratech.ae', port: 80, path: '/api/v2/payment' }).virtualHost,
    undefined,
  );
});

test("Istio's gateway-name label selects the proxy too; an unrelated router gets nothing", () => {
  const named = new Simulation(
    snapshotFromYaml(CLUSTER + ROUTE),
    ingress({ 'gateway.networking.k8s.io/gateway-name': 'production-gateway' }),
  );
  assert.equal(named.call({ host: 'api.astratech.ae', port: 80, path: '/api/v2/payment' }).cluster, V1);
  const other = new Simulation(snapshotFromYaml(CLUSTER + ROUTE), ingress({ istio: 'egressgateway' }));
  assert.equal(other.call({ host: 'api.astratech.ae', port: 80, path: '/api/v2/payment' }).status, 404);
});

test('a route in another namespace attaches only when the listener allows it', () => {
  const moved = ROUTE.replace('name: payment-route', 'name: payment-route\n  namespace: shop').replace(
    '- name: production-gateway',
    '- name: production-gateway\n      namespace: default',
  );
  const same = new Simulation(snapshotFromYaml(CLUSTER + moved), ingress());
  assert.equal(same.call({ host: 'api.astratech.ae', port: 80, path: '/api/v2/payment' }).status, 404);
  const all = CLUSTER.replace(
    '{ name: http, port: 80, protocol: HTTP }',
    '{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }',
  );
  const r = new Simulation(snapshotFromYaml(all + moved), ingress()).call({
    host: 'api.astratech.ae',
    port: 80,
    path: '/api/v2/payment',
  });
  // Backends default to the route's namespace, where no payment services exist: the cluster is named anyway.
  assert.equal(r.weighted?.[0].name, 'outbound|80||payment-svc-v1.shop.svc.cluster.local');
});

test('allowedRoutes from Selector admits namespaces whose labels match', () => {
  const moved = ROUTE.replace('name: payment-route', 'name: payment-route\n  namespace: shop').replace(
    '- name: production-gateway',
    '- name: production-gateway\n      namespace: default',
  );
  const selector = CLUSTER.replace(
    '{ name: http, port: 80, protocol: HTTP }',
    '{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Selector, selector: { matchLabels: { shared-gateway: "true" } } } } }',
  );
  const ns = (labels: string) =>
    `---\napiVersion: v1\nkind: Namespace\nmetadata: { name: shop, labels: ${labels} }\n`;
  const call = (yaml: string) =>
    new Simulation(snapshotFromYaml(yaml), ingress()).call({
      host: 'api.astratech.ae',
      port: 80,
      path: '/api/v2/payment',
    });
  assert.equal(
    call(selector + moved + ns('{ shared-gateway: "true" }')).weighted?.[0].name,
    'outbound|80||payment-svc-v1.shop.svc.cluster.local',
  );
  assert.equal(call(selector + moved + ns('{ shared-gateway: "false" }')).status, 404);
});
