// Simulation: Gateway API HTTPRoute matches (Exact, PathPrefix, RegularExpression, headers, query, method),
// their precedence, and the redirect, rewrite, header and mirror filters, through the ingress gateway.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import { decodeErrors } from './decode-all.js';
import { SERVICES } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { Simulation } from './simulate.js';

const YAML = `${SERVICES}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: web, namespace: default }
spec:
  gatewayClassName: trellis
  listeners:
  - { name: http, port: 8080, protocol: HTTP, hostname: "*.example.com" }
  - { name: admin, port: 9000, protocol: HTTP }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: shop, namespace: default }
spec:
  parentRefs: [{ name: web, sectionName: http }]
  hostnames: [shop.example.com, shop.other.org]
  rules:
  - matches: [{ path: { type: PathPrefix, value: / } }]
    backendRefs: [{ name: details, port: 9080 }]
  - matches: [{ path: { type: PathPrefix, value: /reviews } }]
    backendRefs: [{ name: reviews, port: 9080 }]
  - matches: [{ path: { type: Exact, value: /reviews/special } }]
    backendRefs: [{ name: ratings, port: 9080 }]
  - matches: [{ path: { type: RegularExpression, value: "/r[0-9]+" } }]
    backendRefs: [{ name: ratings, port: 9080 }]
  - matches:
    - path: { type: PathPrefix, value: /reviews }
      headers: [{ name: x-tier, value: gold }]
      queryParams: [{ name: debug, value: "1" }]
      method: POST
    backendRefs: [{ name: ratings, port: 9080 }]
  - matches: [{ path: { type: PathPrefix, value: /old } }]
    filters:
    - type: RequestRedirect
      requestRedirect: { hostname: new.example.com, path: { type: ReplaceFullPath, replaceFullPath: /new } }
  - matches: [{ path: { type: PathPrefix, value: /api } }]
    filters:
    - type: URLRewrite
      urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /v2 } }
    - type: RequestHeaderModifier
      requestHeaderModifier: { set: [{ name: x-via, value: gw }], remove: [x-secret] }
    - type: RequestMirror
      requestMirror: { backendRef: { name: ratings, port: 9080 } }
    backendRefs: [{ name: details, port: 9080 }]
  - matches: [{ path: { type: PathPrefix, value: /empty } }]
`;

const ingress = () =>
  proxyFromNode('router~10.0.9.9~ingressgateway-1.istio-system~istio-system.svc.cluster.local', {
    LABELS: { istio: 'ingressgateway' },
    TRELLIS_GATEWAY_ADDRESS: '127.0.0.1',
  });

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';
const DETAILS = 'outbound|9080||details.default.svc.cluster.local';
const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
const snap = snapshotFromYaml(YAML);
const gw = new Simulation(snap, ingress());
const go = (path: string, more: Partial<Parameters<typeof gw.call>[0]> = {}) =>
  gw.call({ host: 'shop.example.com', port: 8080, path, ...more });

test('the generated config decodes on the gateway', () => {
  assert.deepEqual(decodeErrors(snap, ingress()), []);
});

test('exact beats prefix, longer prefix beats shorter, regex matches the whole path', () => {
  assert.equal(go('/reviews/special').cluster, RATINGS);
  assert.equal(go('/reviews/1').cluster, REVIEWS);
  assert.equal(go('/reviews').cluster, REVIEWS);
  assert.equal(go('/reviewsX').cluster, DETAILS, 'PathPrefix matches whole path elements');
  assert.equal(go('/r42').cluster, RATINGS);
  assert.equal(go('/x').cluster, DETAILS);
});

test('method, header and query matches together', () => {
  const post = { method: 'POST', headers: { 'x-tier': 'gold' } };
  assert.equal(go('/reviews/1?debug=1', post).cluster, RATINGS);
  assert.equal(go('/reviews/1?debug=2', post).cluster, REVIEWS);
  assert.equal(go('/reviews/1?debug=1', { headers: { 'x-tier': 'gold' } }).cluster, REVIEWS);
});

test('redirect (302 by default), prefix rewrite, header edits and mirror', () => {
  const r = go('/old/page');
  assert.equal(r.status, 302);
  assert.equal(r.location, 'http://new.example.com/new');
  const rw = go('/api/items');
  assert.equal(rw.cluster, DETAILS);
  assert.equal(rw.path, '/v2/items');
  assert.equal(go('/api').path, '/v2');
  const rc = gw.routeConfig('http.8080');
  const text = JSON.stringify(rc, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  assert.match(text, /x-via/);
  assert.match(text, /x-secret/);
  assert.match(text, /ratings\.default\.svc\.cluster\.local/);
});

test('a rule without backends answers 500', () => {
  assert.equal(go('/empty/x').status, 500);
});

test('route hostnames outside the listener hostname and other listeners are not served', () => {
  assert.equal(go('/x', { host: 'shop.other.org' }).status, 404);
  assert.equal(gw.call({ host: 'shop.example.com', port: 9000, path: '/x' }).status, 404);
});
