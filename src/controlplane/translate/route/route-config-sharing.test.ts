// Route configs, outbound clusters and endpoint responses shared across proxies with the same view: the same
// packed objects for look-alike proxies, and a config of its own for a proxy whose view differs (namespace,
// a Sidecar selecting it, labels a VirtualService matches on).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { sidecar } from '../../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../../test/simulation/registry-yaml.js';
import { RouteConfigurationSchema } from '../../../generated/envoy/config/route/v3/route_pb.js';
import { TranslateContext } from '../context.js';
import { GENERATORS, type NamedResource, TYPE_URLS } from '../generators.js';

const MESH = `
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: api-1, namespace: shop }
spec: { address: 10.1.0.1, labels: { app: api, version: v1 } }
---
apiVersion: v1
kind: Service
metadata: { name: hidden, namespace: other }
spec: { selector: { app: hidden }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: hidden-1, namespace: other }
spec: { address: 10.2.0.1, labels: { app: hidden } }
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: only-shop, namespace: shop }
spec:
  workloadSelector: { labels: { scoped: "yes" } }
  egress: [{ hosts: ["./*"] }]
`;

const CANARY_BY_LABEL = `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api, namespace: shop }
spec:
  hosts: [api]
  http:
  - match: [{ sourceLabels: { canary: "yes" } }]
    route: [{ destination: { host: api, subset: canary } }]
  - route: [{ destination: { host: api } }]
`;

const routes = (ctx: TranslateContext): NamedResource[] => GENERATORS[TYPE_URLS.route](ctx, ['8080']);
const domainsOf = (r: NamedResource[]) =>
  fromBinary(RouteConfigurationSchema, r[0].resource.value).virtualHosts.flatMap((v) => v.domains);

test('look-alike proxies share one packed route config; the config still follows the snapshot', () => {
  const snapshot = snapshotFromYaml(MESH);
  const a = routes(new TranslateContext(snapshot, sidecar('web-1', 'shop', { app: 'web' }, '10.9.0.1')));
  const b = routes(new TranslateContext(snapshot, sidecar('web-2', 'shop', { app: 'web' }, '10.9.0.2')));
  assert.equal(a.length, 1);
  assert.equal(a[0].resource, b[0].resource, 'same Any object for both proxies');
  assert.ok(domainsOf(a).includes('hidden.other.svc.cluster.local'));

  const next = snapshotFromYaml(`${MESH}${CANARY_BY_LABEL}`);
  const c = routes(new TranslateContext(next, sidecar('web-1', 'shop', { app: 'web' }, '10.9.0.1')));
  assert.notEqual(c[0].resource, a[0].resource, 'a new snapshot is translated again');
});

test('a proxy in another namespace gets its own route config (short names resolve there)', () => {
  const snapshot = snapshotFromYaml(MESH);
  const shop = routes(new TranslateContext(snapshot, sidecar('web-1', 'shop', { app: 'web' }, '10.9.0.1')));
  const other = routes(new TranslateContext(snapshot, sidecar('job-1', 'other', { app: 'job' }, '10.9.1.1')));
  assert.notEqual(other[0].resource, shop[0].resource);
  assert.ok(domainsOf(shop).includes('api'), 'short name of the own namespace');
  assert.ok(!domainsOf(other).includes('api'));
  assert.ok(domainsOf(other).includes('hidden'));
});

test('a proxy a Sidecar selects sees only what the Sidecar allows, in routes and clusters', () => {
  const snapshot = snapshotFromYaml(MESH);
  const plainCtx = new TranslateContext(snapshot, sidecar('web-1', 'shop', { app: 'web' }, '10.9.0.1'));
  const scopedCtx = new TranslateContext(
    snapshot,
    sidecar('web-3', 'shop', { app: 'web', scoped: 'yes' }, '10.9.0.3'),
  );
  assert.ok(domainsOf(routes(plainCtx)).includes('hidden.other.svc.cluster.local'));
  assert.ok(!domainsOf(routes(scopedCtx)).includes('hidden.other.svc.cluster.local'));
  const clusterNames = (ctx: TranslateContext) =>
    GENERATORS[TYPE_URLS.cluster](ctx, undefined).map((c) => c.name);
  assert.ok(clusterNames(plainCtx).includes('outbound|8080||hidden.other.svc.cluster.local'));
  assert.ok(!clusterNames(scopedCtx).includes('outbound|8080||hidden.other.svc.cluster.local'));
});

test('when a VirtualService matches on source labels, proxies with different labels get different routes', () => {
  const snapshot = snapshotFromYaml(`${MESH}${CANARY_BY_LABEL}`);
  const plain = routes(new TranslateContext(snapshot, sidecar('web-1', 'shop', { app: 'web' }, '10.9.0.1')));
  const canary = routes(
    new TranslateContext(snapshot, sidecar('web-2', 'shop', { app: 'web', canary: 'yes' }, '10.9.0.2')),
  );
  const routesToCanary = (r: NamedResource[]) =>
    fromBinary(RouteConfigurationSchema, r[0].resource.value)
      .virtualHosts.flatMap((v) => v.routes)
      .some(
        (rt) =>
          rt.action.case === 'route' && JSON.stringify(rt.action.value.clusterSpecifier).includes('|canary|'),
      );
  assert.equal(routesToCanary(canary), true);
  assert.equal(routesToCanary(plain), false);
});

test('endpoint responses are shared by proxies asking for the same names, and differ by locality', () => {
  const snapshot = snapshotFromYaml(MESH);
  const names = ['outbound|8080||api.shop.svc.cluster.local'];
  const eds = (ctx: TranslateContext) => GENERATORS[TYPE_URLS.endpoint](ctx, [...names]);
  const a = eds(new TranslateContext(snapshot, sidecar('web-1', 'shop', { app: 'web' }, '10.9.0.1')));
  const b = eds(new TranslateContext(snapshot, sidecar('web-2', 'shop', { app: 'web' }, '10.9.0.2')));
  assert.equal(a.length, 1);
  assert.equal(a[0].resource, b[0].resource);
  const far = { ...sidecar('web-4', 'shop', { app: 'web' }, '10.9.0.4'), locality: 'eu/zone-b/' };
  const c = eds(new TranslateContext(snapshot, far));
  assert.notEqual(c, a, 'a caller elsewhere is not handed the same response list');
});
