// Simulation: VirtualService match conditions (uri, headers, withoutHeaders, method, authority, query, port,
// sourceLabels, sourceNamespace) select the expected route and cluster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reviews, SERVICES, sidecar } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { Simulation } from './simulate.js';

const VS = `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - name: exact
    match: [{ uri: { exact: /exact } }]
    route: [{ destination: { host: reviews, subset: v1 } }]
  - name: regex
    match: [{ uri: { regex: '/r[0-9]+' } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - name: nocase
    match: [{ uri: { prefix: /CaSe }, ignoreUriCase: true }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - name: jason
    match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - name: prefixed
    match: [{ headers: { x-tier: { prefix: gold } } }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - name: present
    match: [{ headers: { x-canary: {} }, withoutHeaders: { x-skip: {} } }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - name: post
    match: [{ method: { exact: POST }, uri: { prefix: /api } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - name: query
    match: [{ queryParams: { debug: { exact: "1" } } }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - name: from-ratings
    match: [{ sourceLabels: { app: ratings } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - name: other-port
    match: [{ port: 9999 }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - name: from-prod
    match: [{ sourceNamespace: prod }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - name: default
    route: [{ destination: { host: reviews, subset: v1 } }]
`;

const sim = new Simulation(snapshotFromYaml(SERVICES + VS), sidecar());
const go = (c: Partial<Parameters<typeof sim.call>[0]>) => sim.call({ host: 'reviews', port: 9080, ...c });

test('uri exact, regex (full match) and case-insensitive prefix', () => {
  assert.equal(go({ path: '/exact' }).route?.name, 'exact');
  assert.equal(go({ path: '/exact/more' }).route?.name, 'default');
  assert.equal(go({ path: '/r42' }).cluster, reviews('v2'));
  assert.equal(go({ path: '/r42x' }).route?.name, 'default', 'regex must match the whole path');
  assert.equal(go({ path: '/case/x' }).cluster, reviews('v3'));
});

test('headers: exact, prefix, presence, and withoutHeaders', () => {
  assert.equal(go({ headers: { 'end-user': 'jason' } }).route?.name, 'jason');
  assert.equal(go({ headers: { 'end-user': 'jasonx' } }).route?.name, 'default');
  assert.equal(go({ headers: { 'x-tier': 'gold-plus' } }).route?.name, 'prefixed');
  assert.equal(go({ headers: { 'x-canary': '' } }).route?.name, 'present');
  assert.equal(go({ headers: { 'x-canary': '1', 'x-skip': '1' } }).route?.name, 'default');
});

test('method + uri together, and query parameters', () => {
  assert.equal(go({ method: 'POST', path: '/api/v1' }).route?.name, 'post');
  assert.equal(go({ method: 'GET', path: '/api/v1' }).route?.name, 'default');
  assert.equal(go({ path: '/x?debug=1' }).route?.name, 'query');
  assert.equal(go({ path: '/x?debug=2' }).route?.name, 'default');
});

test('sourceLabels, sourceNamespace and port are decided per caller at generation time', () => {
  assert.equal(go({}).route?.name, 'default', 'productpage is not app=ratings');
  const ratings = new Simulation(
    snapshotFromYaml(SERVICES + VS),
    sidecar('ratings-v1', 'default', { app: 'ratings' }, '10.0.1.1'),
  );
  assert.equal(ratings.call({ host: 'reviews', port: 9080 }).route?.name, 'from-ratings');
  const names = sim
    .routeConfig('9080')
    .virtualHosts.find((v) => v.name.startsWith('reviews'))
    ?.routes.map((r) => r.name);
  assert.ok(!names?.includes('other-port'), 'a match on port 9999 is not in route config 9080');
  assert.ok(!names?.includes('from-prod'), 'a match on another source namespace is dropped');
});

test('routes keep the VirtualService order: the first match wins', () => {
  assert.equal(go({ path: '/exact', headers: { 'end-user': 'jason' } }).route?.name, 'exact');
});
