// Simulation: what a proxy may see — exportTo of services and VirtualServices, Sidecar egress hosts, mesh
// vs named gateways — and the listeners it gets (Istio's names, the local HTTP proxy, virtualInbound).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { listenersFor } from '../../src/controlplane/translate/listener/index.js';
import { decodeErrors } from './decode-all.js';
import { reviews, SERVICES, sidecar } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { Simulation } from './simulate.js';

const GATEWAY = `
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: bookinfo-gateway, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: ["bookinfo.example.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookinfo, namespace: default }
spec:
  hosts: [bookinfo.example.com]
  gateways: [istio-system/bookinfo-gateway]
  http:
  - match: [{ uri: { prefix: /reviews } }]
    route: [{ destination: { host: reviews, subset: v3, port: { number: 9080 } } }]
  - route: [{ destination: { host: details } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-mesh, namespace: default }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews, subset: v2 } }]
`;

const ingress = () =>
  proxyFromNode('router~10.0.9.9~ingressgateway-1.istio-system~istio-system.svc.cluster.local', {
    LABELS: { istio: 'ingressgateway' },
    TRELLIS_GATEWAY_ADDRESS: '127.0.0.1',
  });

test('a gateway routes its VirtualService hosts; mesh VirtualServices stay off the gateway', () => {
  const gw = new Simulation(snapshotFromYaml(SERVICES + GATEWAY), ingress());
  const r = gw.call({ host: 'bookinfo.example.com', port: 8080, path: '/reviews/1' });
  assert.equal(r.routeConfig, 'http.8080');
  assert.equal(r.cluster, reviews('v3'));
  assert.deepEqual(r.endpoints, ['10.0.0.3:9080']);
  assert.equal(
    gw.call({ host: 'bookinfo.example.com:8080', port: 8080, path: '/x' }).cluster,
    'outbound|9080||details.default.svc.cluster.local',
  );
  assert.equal(
    gw.call({ host: 'reviews', port: 8080 }).status,
    404,
    'the mesh VirtualService is not bound to the gateway',
  );
  const listeners = listenersFor(new TranslateContext(snapshotFromYaml(SERVICES + GATEWAY), ingress()));
  assert.deepEqual(
    listeners.map((l) => l.name),
    ['0.0.0.0_8080'],
  );
  assert.deepEqual(decodeErrors(snapshotFromYaml(SERVICES + GATEWAY), ingress()), []);
});

test('a gateway-only VirtualService does not change sidecar routing', () => {
  const sc = new Simulation(snapshotFromYaml(SERVICES + GATEWAY), sidecar());
  assert.equal(sc.call({ host: 'reviews', port: 9080, path: '/reviews/1' }).cluster, reviews('v2'));
  assert.equal(sc.call({ host: 'bookinfo.example.com', port: 9080 }).virtualHost, 'allow_any');
});

test('a VirtualService exported to its own namespace only does not apply to other namespaces', () => {
  const yaml = `${SERVICES}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews.default.svc.cluster.local]
  exportTo: ["."]
  http: [{ route: [{ destination: { host: reviews.default.svc.cluster.local, subset: v3 } }] }]
`;
  const local = new Simulation(snapshotFromYaml(yaml), sidecar());
  assert.equal(local.call({ host: 'reviews', port: 9080 }).cluster, reviews('v3'));
  const other = new Simulation(
    snapshotFromYaml(yaml),
    sidecar('client', 'other', { app: 'client' }, '10.1.0.1'),
  );
  assert.equal(other.call({ host: 'reviews.default', port: 9080 }).cluster, reviews(''));
  assert.equal(
    other.call({ host: 'reviews', port: 9080 }).virtualHost,
    'allow_any',
    'short names are only for the same namespace',
  );
});

test('a Sidecar resource limits the services a proxy sees to its egress hosts', () => {
  const yaml = `${SERVICES}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  egress: [{ hosts: ["./reviews.default.svc.cluster.local", "data/*"] }]
  outboundTrafficPolicy: { mode: REGISTRY_ONLY }
`;
  const sim = new Simulation(snapshotFromYaml(yaml), sidecar());
  const names = sim.clusterNames();
  assert.ok(names.includes(reviews('v1')));
  assert.ok(names.includes('outbound|5432||db.data.svc.cluster.local'));
  assert.ok(!names.some((n) => n.includes('ratings') || n.includes('details')), names.join(' '));
  assert.equal(sim.call({ host: 'details', port: 9080 }).virtualHost, 'block_all');
  assert.equal(sim.call({ host: 'details', port: 9080 }).cluster, 'BlackHoleCluster');
});

test("sidecar listeners: Istio's per-port outbound listeners, the local HTTP proxy and virtualInbound", () => {
  const yaml = `${SERVICES}
---
apiVersion: v1
kind: Service
metadata: { name: productpage, namespace: default }
spec: { selector: { app: productpage }, ports: [{ name: http, port: 9080, targetPort: 19080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: productpage, namespace: default }
spec: { address: 10.0.0.9, labels: { app: productpage } }
`;
  const proxy = proxyFromNode('sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local', {
    LABELS: { app: 'productpage' },
    TRELLIS_OUTBOUND_PORT: 15001,
    TRELLIS_INBOUND_PORT: 15006,
    TRELLIS_INBOUND_ADDRESS: '127.0.0.1',
  });
  const snap = snapshotFromYaml(yaml);
  const listeners = listenersFor(new TranslateContext(snap, proxy));
  assert.deepEqual(
    listeners.map((l) => l.name),
    ['0.0.0.0_5432', '0.0.0.0_9080', '0.0.0.0_9090', 'http_proxy', 'virtualInbound'],
  );
  assert.equal(listeners[0].bindToPort, false);
  assert.deepEqual(decodeErrors(snap, proxy), []);
  const sim = new Simulation(snap, proxy);
  assert.ok(sim.clusterNames().includes('inbound|9080||'));
  const inbound = sim.cluster('inbound|9080||');
  assert.deepEqual(inbound.loadAssignment?.localities[0].endpoints[0].address, {
    host: '127.0.0.1',
    port: 19080,
  });
});

test('local inbound listener: the port in Host picks the served port, anything else the first HTTP port', async () => {
  const { fromBinary, toBinary } = await import('@bufbuild/protobuf');
  const { ListenerSchema } = await import('../../src/generated/envoy/config/listener/v3/listener_pb.js');
  const { decodeListener } = await import('../../src/proxy/xds-client/decode-listener.js');
  const { CompiledRouteTable } = await import('../../src/proxy/router/route-table.js');
  const yaml = `${SERVICES}
---
apiVersion: v1
kind: Service
metadata: { name: multi, namespace: default }
spec: { selector: { app: multi }, ports: [{ name: http-a, port: 8001 }, { name: http-b, port: 8002 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: multi, namespace: default }
spec: { address: 10.0.7.1, labels: { app: multi } }
`;
  const proxy = proxyFromNode('sidecar~10.0.7.1~multi-1.default~default.svc.cluster.local', {
    LABELS: { app: 'multi' },
    TRELLIS_OUTBOUND_PORT: 15001,
    TRELLIS_INBOUND_PORT: 15006,
  });
  const inbound = listenersFor(new TranslateContext(snapshotFromYaml(yaml), proxy)).find(
    (l) => l.name === 'virtualInbound',
  );
  assert.ok(inbound);
  const decoded = decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, inbound)));
  assert.ok(decoded.ok, JSON.stringify(!decoded.ok && decoded.errors));
  const filter = decoded.value.filterChains[0].filter;
  assert.ok(filter.kind === 'http' && filter.routes.kind === 'inline');
  const table = new CompiledRouteTable(filter.routes.config, () => 0);
  const clusterFor = (authority: string) =>
    table.match({ authority, path: '/', method: 'GET', scheme: 'http', headers: [] })?.cluster;
  assert.equal(clusterFor('multi:8002'), 'inbound|8002||');
  assert.equal(clusterFor('multi.default.svc.cluster.local:8001'), 'inbound|8001||');
  assert.equal(clusterFor('10.0.7.1'), 'inbound|8001||');
});

test('gateway server hosts `namespace/host` admit VirtualServices from that namespace only', () => {
  const yaml = `${SERVICES}${GATEWAY.replace('hosts: ["bookinfo.example.com"]', 'hosts: ["other/bookinfo.example.com"]')}`;
  const gw = new Simulation(snapshotFromYaml(yaml), ingress());
  assert.equal(
    gw.call({ host: 'bookinfo.example.com', port: 8080 }).status,
    404,
    'the VirtualService is in default, not other',
  );
  const ok = new Simulation(
    snapshotFromYaml(
      `${SERVICES}${GATEWAY.replace('hosts: ["bookinfo.example.com"]', 'hosts: ["default/*"]')}`,
    ),
    ingress(),
  );
  assert.equal(
    ok.call({ host: 'bookinfo.example.com', port: 8080, path: '/x' }).cluster,
    'outbound|9080||details.default.svc.cluster.local',
  );
});

test('TLS services without a VIP share 0.0.0.0_<port>, one SNI filter chain each, with VirtualService tls routes', async () => {
  const { fromBinary, toBinary } = await import('@bufbuild/protobuf');
  const { ListenerSchema } = await import('../../src/generated/envoy/config/listener/v3/listener_pb.js');
  const { decodeListener } = await import('../../src/proxy/xds-client/decode-listener.js');
  const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: external, namespace: default }
spec:
  hosts: [api.example.com, pay.example.com]
  ports: [{ number: 443, name: tls, protocol: TLS }]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: egress, namespace: default }
spec:
  hosts: [egress.example.net]
  ports: [{ number: 443, name: tls, protocol: TLS }]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: pay, namespace: default }
spec:
  hosts: [pay.example.com]
  tls:
  - match: [{ sniHosts: [pay.example.com] }]
    route: [{ destination: { host: egress.example.net, port: { number: 443 } } }]
`;
  const snap = snapshotFromYaml(yaml);
  const l = listenersFor(new TranslateContext(snap, sidecar())).find((x) => x.name === '0.0.0.0_443');
  assert.ok(l);
  const decoded = decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, l)));
  assert.ok(decoded.ok, JSON.stringify(!decoded.ok && decoded.errors));
  assert.deepEqual(decoded.value.listenerFilters, ['envoy.filters.listener.tls_inspector']);
  const chains = decoded.value.filterChains.map((c) => [
    c.match.serverNames,
    c.filter.kind === 'tcp' ? c.filter.target : undefined,
  ]);
  assert.deepEqual(chains, [
    [['api.example.com'], { kind: 'cluster', name: 'outbound|443||api.example.com' }],
    [['egress.example.net'], { kind: 'cluster', name: 'outbound|443||egress.example.net' }],
    [['pay.example.com'], { kind: 'cluster', name: 'outbound|443||egress.example.net' }],
  ]);
  assert.deepEqual(decodeErrors(snap, sidecar()), []);
});

test('a gateway HTTP server with tls.httpsRedirect answers every request with a redirect to https', () => {
  const yaml = `${SERVICES}${GATEWAY.replace(
    '    hosts: ["bookinfo.example.com"]',
    '    hosts: ["bookinfo.example.com"]\n    tls: { httpsRedirect: true }',
  )}`;
  const gw = new Simulation(snapshotFromYaml(yaml), ingress());
  const r = gw.call({ host: 'bookinfo.example.com', port: 8080, path: '/reviews/1?x=1' });
  assert.equal(r.status, 301);
  assert.equal(r.location, 'https://bookinfo.example.com/reviews/1?x=1');
});
