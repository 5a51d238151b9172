// Virtual hosts and route configs reused across snapshots: a change to any input a virtual host reads gives
// the same bytes as a translation from scratch, and changes elsewhere keep the cached piece (same object).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sidecar } from '../../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../../test/simulation/registry-yaml.js';
import type { MeshProxy } from '../../model/proxy.js';
import type { Snapshot } from '../../model/snapshot.js';
import { acrossSnapshotsSize, clearAcrossSnapshots, withoutAcrossSnapshots } from '../cache.js';
import { TranslateContext } from '../context.js';
import { routeConfigAny, routeConfigPiecesByName } from './route-config.js';
import type { VhostPiece } from './virtual-host.js';

const CART_VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: cart, namespace: shop }
spec:
  hosts: [cart]
  http:
  - match: [{ headers: { x-canary: { exact: "1" } } }]
    route: [{ destination: { host: cart, subset: v2 } }]
  - route:
    - { destination: { host: pay.bank.svc.cluster.local }, weight: 90 }
    - { destination: { host: cart, subset: v1 }, weight: 10 }`;

const BASE = [
  `apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { clusterIP: 10.96.0.1, selector: { app: cart }, ports: [{ name: http, port: 8080 }] }`,
  `apiVersion: v1
kind: Service
metadata: { name: pay, namespace: bank }
spec: { clusterIP: 10.96.0.2, selector: { app: pay }, ports: [{ name: http, port: 8080 }] }`,
  `apiVersion: v1
kind: Service
metadata: { name: stock, namespace: shop }
spec: { clusterIP: 10.96.0.3, selector: { app: stock }, ports: [{ name: http, port: 8080 }, { name: http-admin, port: 9000 }] }`,
  `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: cart-1, namespace: shop }
spec: { address: 10.1.0.1, labels: { app: cart, version: v1 } }`,
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cart, namespace: shop }
spec:
  host: cart
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]`,
  CART_VS,
];

const yaml = (docs: string[]) => docs.join('\n---\n');
const client = (labels: Record<string, string> = { app: 'client' }): MeshProxy =>
  sidecar('client', 'shop', labels, '10.9.0.1');

/** Route config bytes of a proxy (the per-port config and the HTTP-proxy one) and its cart virtual host. */
function translate(snapshot: Snapshot, proxy = client()) {
  const ctx = new TranslateContext(snapshot, proxy);
  const port = routeConfigPiecesByName(ctx, '8080');
  const proxyConfig = routeConfigPiecesByName(ctx, 'http_proxy');
  assert.ok(port && proxyConfig);
  const vhost = (host: string): VhostPiece | undefined =>
    port.virtualHosts.find((v) => v.message.name === `${host}:8080`);
  return {
    bytes: Buffer.concat([routeConfigAny(port).value, routeConfigAny(proxyConfig).value]).toString('hex'),
    cart: vhost('cart.shop.svc.cluster.local'),
    stock: vhost('stock.shop.svc.cluster.local'),
    config: port,
  };
}

/** The same translation on a newly parsed snapshot with nothing cached across snapshots. */
function fromScratch(text: string, mesh = {}, proxy = client()) {
  return withoutAcrossSnapshots(() => translate(snapshotFromYaml(text, mesh), proxy).bytes);
}

interface Change {
  name: string;
  docs: string[];
  mesh?: { domain?: string; outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY' };
  proxy?: MeshProxy;
}

const replaceDoc = (docs: string[], from: string, to: string): string[] => {
  const out = docs.map((d) => d.replace(from, to));
  assert.notDeepEqual(out, docs, `no document contains ${from}`);
  return out;
};

const CHANGES: Change[] = [
  { name: 'a VirtualService match', docs: replaceDoc(BASE, 'exact: "1"', 'exact: "2"') },
  {
    name: 'a VirtualService weight',
    docs: replaceDoc(BASE, 'weight: 90', 'weight: 80').map((d) => d.replace('weight: 10', 'weight: 20')),
  },
  {
    name: 'a VirtualService exportTo (no longer visible: default route)',
    docs: replaceDoc(BASE, 'spec:\n  hosts: [cart]', 'spec:\n  exportTo: [bank]\n  hosts: [cart]'),
  },
  {
    name: 'a service port of the virtual host',
    docs: replaceDoc(
      BASE,
      'selector: { app: cart }, ports: [{ name: http, port: 8080 }]',
      'selector: { app: cart }, ports: [{ name: http, port: 8080 }, { name: http-b, port: 8081 }]',
    ),
  },
  {
    name: 'the ports of a destination service (the cluster port a destination without one resolves to)',
    docs: replaceDoc(
      BASE,
      'selector: { app: pay }, ports: [{ name: http, port: 8080 }]',
      'selector: { app: pay }, ports: [{ name: http, port: 7070 }]',
    ),
  },
  {
    name: 'a service address (a domain)',
    docs: replaceDoc(BASE, 'clusterIP: 10.96.0.1,', 'clusterIP: 10.96.0.99,'),
  },
  {
    name: 'a service exportTo (the service leaves the config)',
    docs: replaceDoc(
      BASE,
      'metadata: { name: stock, namespace: shop }',
      'metadata: { name: stock, namespace: shop, annotations: { networking.istio.io/exportTo: bank } }',
    ),
  },
  {
    name: "a destination's DestinationRule load balancer (hash policy)",
    docs: [
      ...BASE,
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: pay, namespace: bank }
spec: { host: pay.bank.svc.cluster.local, trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } } } }`,
    ],
  },
  {
    name: "the service's DestinationRule load balancer (default route without a VirtualService)",
    docs: [
      ...BASE,
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: stock, namespace: shop }
spec: { host: stock, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } }`,
    ],
  },
  {
    name: "a DestinationRule subset's load balancer changes nothing routes read, so bytes stay equal",
    docs: replaceDoc(
      BASE,
      '{ name: v1, labels: { version: v1 } }',
      '{ name: v1, labels: { version: v1 }, trafficPolicy: { loadBalancer: { simple: RANDOM } } }',
    ),
  },
  { name: 'the mesh domain', docs: BASE, mesh: { domain: 'corp.internal' } },
  {
    name: 'the outbound traffic policy (fallback host)',
    docs: BASE,
    mesh: { outboundTrafficPolicy: 'REGISTRY_ONLY' },
  },
  {
    name: 'a sourceLabels match, then the caller labels',
    docs: replaceDoc(
      BASE,
      '- match: [{ headers: { x-canary: { exact: "1" } } }]',
      '- match: [{ sourceLabels: { canary: "yes" } }]',
    ),
    proxy: client({ app: 'client', canary: 'yes' }),
  },
  {
    name: 'a sourceNamespace match',
    docs: replaceDoc(
      BASE,
      '- match: [{ headers: { x-canary: { exact: "1" } } }]',
      '- match: [{ sourceNamespace: bank }]',
    ),
  },
  {
    name: 'a delegate VirtualService',
    docs: [
      ...replaceDoc(
        BASE,
        '  - match: [{ headers: { x-canary: { exact: "1" } } }]\n    route: [{ destination: { host: cart, subset: v2 } }]',
        '  - match: [{ uri: { prefix: /d } }]\n    delegate: { name: child, namespace: shop }',
      ),
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: child, namespace: shop }
spec:
  http: [{ route: [{ destination: { host: stock, port: { number: 9000 } } }] }]`,
    ],
  },
];

test('every input a virtual host reads: the cached translation equals one from scratch and differs from the old one', () => {
  const baseText = yaml(BASE);
  const expectedBase = fromScratch(baseText);
  for (const change of CHANGES) {
    clearAcrossSnapshots();
    translate(snapshotFromYaml(baseText)); // fills the cache with the old inputs
    const text = yaml(change.docs);
    const cached = translate(snapshotFromYaml(text, change.mesh), change.proxy).bytes;
    assert.equal(cached, fromScratch(text, change.mesh, change.proxy), change.name);
    if (change.name.includes('changes nothing')) assert.equal(cached, expectedBase, change.name);
    else assert.notEqual(cached, expectedBase, `${change.name}: the change must show in the route config`);
  }
});

test('a delegate VirtualService edited alone: the parent’s virtual host is rebuilt', () => {
  const withDelegate = replaceDoc(
    BASE,
    '  - match: [{ headers: { x-canary: { exact: "1" } } }]\n    route: [{ destination: { host: cart, subset: v2 } }]',
    '  - match: [{ uri: { prefix: /d } }]\n    delegate: { name: child, namespace: shop }',
  );
  const child = (port: number) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: child, namespace: shop }
spec:
  http: [{ route: [{ destination: { host: stock, port: { number: ${port} } } }] }]`;
  clearAcrossSnapshots();
  const before = translate(snapshotFromYaml(yaml([...withDelegate, child(9000)])));
  const text = yaml([...withDelegate, child(8080)]);
  const after = translate(snapshotFromYaml(text));
  assert.notEqual(after.cart, before.cart);
  assert.equal(after.stock, before.stock);
  assert.equal(after.bytes, fromScratch(text));
});

test('unrelated changes keep the cached virtual hosts and route config objects', () => {
  clearAcrossSnapshots();
  const base = translate(snapshotFromYaml(yaml(BASE)));
  // Everything parsed again (new objects, same content), and a workload and a subset's labels changed:
  // nothing a virtual host reads.
  const changed = replaceDoc(BASE, 'address: 10.1.0.1', 'address: 10.1.0.7').map((d) =>
    d.replace('{ name: v2, labels: { version: v2 } }', '{ name: v2, labels: { version: v3 } }'),
  );
  const again = translate(snapshotFromYaml(yaml(changed)));
  assert.ok(base.cart && base.stock);
  assert.equal(again.cart, base.cart);
  assert.equal(again.stock, base.stock);
  assert.equal(again.config, base.config, 'the whole route config is reused, with its packed bytes');
  // A change to cart's VirtualService rebuilds cart's virtual host only.
  const edited = translate(snapshotFromYaml(yaml(replaceDoc(BASE, 'exact: "1"', 'exact: "3"'))));
  assert.notEqual(edited.cart, base.cart);
  assert.equal(edited.stock, base.stock);
  assert.notEqual(edited.config, base.config);
});

test('entries the last snapshot did not use are dropped; the cache does not grow with the number of snapshots', () => {
  clearAcrossSnapshots();
  const withStock = yaml(BASE);
  const withoutStock = yaml(BASE.filter((d) => !d.includes('name: stock')));
  const first = translate(snapshotFromYaml(withStock));
  // Used by the last snapshot: kept.
  assert.equal(translate(snapshotFromYaml(withStock)).stock, first.stock);
  translate(snapshotFromYaml(withoutStock));
  // Not used by the last snapshot: built again (same bytes, new object).
  const rebuilt = translate(snapshotFromYaml(withStock));
  assert.notEqual(rebuilt.stock, first.stock);
  assert.equal(rebuilt.bytes, first.bytes);
  const sizes: number[] = [];
  for (let i = 0; i < 20; i++) {
    translate(snapshotFromYaml(yaml(replaceDoc(BASE, 'exact: "1"', `exact: "v${i}"`))));
    const { current, previous } = acrossSnapshotsSize();
    sizes.push(current + previous);
  }
  assert.ok(sizes[19] <= sizes[1], `entries grow with snapshots: ${sizes.join(' ')}`);
});

test('proxies on one snapshot still share the route config; a proxy with another view gets its own', () => {
  clearAcrossSnapshots();
  const snapshot = snapshotFromYaml(yaml(BASE));
  const a = translate(snapshot, sidecar('a', 'shop', { app: 'a' }, '10.9.0.2'));
  const b = translate(snapshot, sidecar('b', 'shop', { app: 'b' }, '10.9.0.3'));
  const other = translate(snapshot, sidecar('c', 'bank', { app: 'c' }, '10.9.0.4'));
  assert.equal(a.config, b.config);
  assert.notEqual(other.config, a.config);
  assert.notEqual(other.bytes, a.bytes, 'short names differ by namespace');
});
