// Which xDS types a change cannot affect: only a change confined to VirtualServices spares clusters and
// endpoints; anything touching DestinationRules, services, endpoints or mesh settings skips nothing, and a
// merged push skips only what all its parts skip. Editing only the HTTP routes of mesh VirtualServices
// spares listeners as well (checked against the listeners' bytes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOOKINFO, sidecar } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import type { Resource } from '../../api/resource.js';
import { proxyFromNode } from '../model/proxy.js';
import { Snapshot } from '../model/snapshot.js';
import { TranslateContext } from '../translate/context.js';
import { GENERATORS, TYPE_URLS } from '../translate/generators.js';
import { mergePush, type PushRequest } from './debounce.js';
import { changedKinds, unaffectedTypes } from './unaffected-types.js';

const base = snapshotFromYaml(BOOKINFO);

/** The same snapshot inputs with each config passed through `edit` (a fresh copy of every resource). */
function variant(edit: (r: Resource) => Resource = (r) => r, extra: Partial<Snapshot> = {}): Snapshot {
  return new Snapshot({
    configs: base.configs.map((r) => edit(structuredClone(r))),
    services: extra.services ?? base.services,
    instances: extra.instances ?? base.instances,
    mesh: extra.mesh ?? base.mesh,
    version: 'next',
  });
}

const retimed = (kind: string) => (r: Resource) =>
  r.kind === kind ? { ...r, metadata: { ...r.metadata, labels: { edited: 'yes' } } } : r;

test('a VirtualService-only change leaves clusters and endpoints alone', () => {
  const next = variant(retimed('VirtualService'));
  assert.deepEqual([...changedKinds(base, next)], ['VirtualService']);
  const skipped = unaffectedTypes(base, next);
  assert.ok(skipped.has(TYPE_URLS.cluster) && skipped.has(TYPE_URLS.endpoint));
  assert.ok(!skipped.has(TYPE_URLS.route));
});

test('re-read resources with the same content are no change, and then nothing is skipped', () => {
  const next = variant();
  assert.deepEqual([...changedKinds(base, next)], []);
  assert.equal(unaffectedTypes(base, next).size, 0);
});

test('DestinationRule, service, endpoint and mesh changes skip nothing', () => {
  assert.equal(unaffectedTypes(base, variant(retimed('DestinationRule'))).size, 0);
  const both = (r: Resource) => retimed('DestinationRule')(retimed('VirtualService')(r));
  assert.equal(unaffectedTypes(base, variant(both)).size, 0);
  assert.equal(
    unaffectedTypes(base, variant(retimed('VirtualService'), { instances: base.instances.slice(1) })).size,
    0,
  );
  assert.equal(
    unaffectedTypes(base, variant(retimed('VirtualService'), { services: base.services.slice(1) })).size,
    0,
  );
  const mesh = { ...base.mesh, outboundTrafficPolicy: 'REGISTRY_ONLY' as const };
  assert.equal(unaffectedTypes(base, variant(retimed('VirtualService'), { mesh })).size, 0);
});

test('a removed VirtualService counts as a VirtualService change; a removed DestinationRule as its own', () => {
  const withoutVs = new Snapshot({
    ...base,
    configs: base.configs.filter((r) => r.kind !== 'VirtualService'),
  });
  assert.deepEqual([...changedKinds(base, withoutVs)], ['VirtualService']);
  const withoutDr = new Snapshot({
    ...base,
    configs: base.configs.filter((r) => r.kind !== 'DestinationRule'),
  });
  assert.equal(unaffectedTypes(base, withoutDr).size, 0);
});

test('a merged push skips only the types every part skips', () => {
  const req = (unaffected?: string[]): PushRequest => ({
    full: false,
    hosts: new Set(),
    reasons: [],
    start: 0,
    ...(unaffected ? { unaffectedTypes: new Set(unaffected) } : {}),
  });
  const both = mergePush(
    mergePush(undefined, req([TYPE_URLS.cluster, TYPE_URLS.endpoint])),
    req([TYPE_URLS.cluster]),
  );
  assert.deepEqual([...(both.unaffectedTypes ?? [])], [TYPE_URLS.cluster]);
  const withUnknown = mergePush(mergePush(undefined, req([TYPE_URLS.cluster])), req());
  assert.equal(withUnknown.unaffectedTypes, undefined);
});

const L4_MESH = `${BOOKINFO}
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: default }
spec: { selector: { app: db }, ports: [{ name: tcp, port: 5432 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: db-1, namespace: default }
spec: { address: 10.0.0.30, labels: { app: db, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: db, namespace: default }
spec:
  hosts: [db]
  http: [{ route: [{ destination: { host: db } }], timeout: 3s }]
  tcp: [{ route: [{ destination: { host: db, subset: v1 } }] }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge, namespace: default }
spec:
  hosts: ["*"]
  gateways: [edge]
  http: [{ route: [{ destination: { host: reviews } }] }]
`;

const router = proxyFromNode('router~10.0.0.50~ingress-1.default~default.svc.cluster.local', {
  LABELS: { istio: 'ingressgateway' },
});

/** Every listener's bytes for a sidecar and a gateway. */
function listenerBytes(s: Snapshot): string[] {
  return [sidecar(), router].flatMap((p) =>
    GENERATORS[TYPE_URLS.listener](new TranslateContext(s, p), undefined).map(
      (l) => `${l.name} ${Buffer.from(l.resource.value).toString('base64')}`,
    ),
  );
}

test('editing only HTTP routes of mesh VirtualServices skips listeners too, and listeners are indeed unchanged', () => {
  const before = snapshotFromYaml(L4_MESH);
  const after = snapshotFromYaml(
    L4_MESH.replace('weight: 90', 'weight: 70')
      .replace('weight: 10', 'weight: 30')
      .replace('timeout: 3s', 'timeout: 9s'),
  );
  assert.deepEqual(
    [...unaffectedTypes(before, after)].sort(),
    [TYPE_URLS.cluster, TYPE_URLS.endpoint, TYPE_URLS.listener].sort(),
  );
  // The guard for that rule: if listeners start reading HTTP routes, this fails.
  assert.deepEqual(listenerBytes(after), listenerBytes(before));
});

test('tcp routes, hosts or gateway-bound VirtualServices changing keep listeners in the push', () => {
  const before = snapshotFromYaml(L4_MESH);
  const tcp = snapshotFromYaml(L4_MESH.replace('{ host: db, subset: v1 }', '{ host: db }'));
  assert.ok(!unaffectedTypes(before, tcp).has(TYPE_URLS.listener));
  assert.notDeepEqual(listenerBytes(tcp), listenerBytes(before), 'a tcp route shows in listeners');
  const hosts = snapshotFromYaml(L4_MESH.replace('hosts: [db]', 'hosts: [db, db.default.svc.cluster.local]'));
  assert.ok(!unaffectedTypes(before, hosts).has(TYPE_URLS.listener));
  const gatewayBound = snapshotFromYaml(
    L4_MESH.replace(
      'http: [{ route: [{ destination: { host: reviews } }] }]',
      'http: [{ route: [{ destination: { host: db } }] }]',
    ),
  );
  assert.ok(!unaffectedTypes(before, gatewayBound).has(TYPE_URLS.listener));
  assert.ok(unaffectedTypes(before, gatewayBound).has(TYPE_URLS.cluster));
  const added = snapshotFromYaml(`${L4_MESH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: extra, namespace: default }
spec: { hosts: [productpage], http: [{ route: [{ destination: { host: productpage } }] }] }`);
  assert.ok(
    !unaffectedTypes(before, added).has(TYPE_URLS.listener),
    'an added VirtualService may win a host',
  );
});
