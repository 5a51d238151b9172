// Simulation: VirtualService route actions — weights, rewrite, redirect, direct response, header edits,
// timeout, retries (Istio's default and explicit), fault, mirror, CORS — as the proxy decodes them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ForwardAction } from '../../src/proxy/config/route.js';
import { reviews, SERVICES, sidecar } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { Simulation } from './simulate.js';

const vs = (http: string) => `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
${http}`;

function simOf(http: string): Simulation {
  return new Simulation(snapshotFromYaml(SERVICES + vs(http)), sidecar());
}

function forward(sim: Simulation, path = '/'): ForwardAction {
  const r = sim.call({ host: 'reviews', port: 9080, path });
  assert.equal(r.route?.route.action.kind, 'forward');
  return r.route?.route.action as ForwardAction;
}

test('weights split across subsets; a zero weight is dropped', () => {
  const sim = simOf(`
  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 75 }
    - { destination: { host: reviews, subset: v2 }, weight: 25 }
    - { destination: { host: reviews, subset: v3 }, weight: 0 }`);
  const r = sim.call({ host: 'reviews', port: 9080, random: 0.8 });
  assert.deepEqual(r.weighted, [
    { name: reviews('v1'), weight: 75 },
    { name: reviews('v2'), weight: 25 },
  ]);
  assert.equal(r.cluster, reviews('v2'));
  assert.deepEqual(r.endpoints, ['10.0.0.2:9080']);
  assert.deepEqual(sim.endpoints(reviews('v3')), ['10.0.0.3:9080']);
  assert.deepEqual(sim.endpoints(reviews('')).sort(), ['10.0.0.1:9080', '10.0.0.2:9080', '10.0.0.3:9080']);
});

test('a subset the DestinationRule does not define has no endpoints', () => {
  const sim = simOf(`
  - route: [{ destination: { host: reviews, subset: v9 } }]`);
  const r = sim.call({ host: 'reviews', port: 9080 });
  assert.equal(r.cluster, reviews('v9'));
  assert.deepEqual(r.endpoints, []);
});

test('uri and authority rewrite; regex rewrite', () => {
  const sim = simOf(`
  - match: [{ uri: { prefix: /old } }]
    rewrite: { uri: /new, authority: reviews.internal }
    route: [{ destination: { host: reviews } }]
  - match: [{ uri: { prefix: /v1 } }]
    rewrite: { uriRegexRewrite: { match: '^/v1/(.*)$', rewrite: '/api/\\1' } }
    route: [{ destination: { host: reviews } }]`);
  const r = sim.call({ host: 'reviews', port: 9080, path: '/old/page?q=1' });
  assert.equal(r.path, '/new/page?q=1');
  assert.equal(r.route?.hostRewrite, 'reviews.internal');
  assert.equal(sim.call({ host: 'reviews', port: 9080, path: '/v1/books' }).path, '/api/books');
});

test('redirect and direct response', () => {
  const sim = simOf(`
  - match: [{ uri: { exact: /moved } }]
    redirect: { uri: /new-home, authority: bookinfo.example.com, redirectCode: 308 }
  - match: [{ uri: { exact: /teapot } }]
    directResponse: { status: 418, body: { string: "short and stout" } }`);
  const moved = sim.call({ host: 'reviews', port: 9080, path: '/moved' });
  assert.equal(moved.status, 308);
  assert.equal(moved.location, 'http://bookinfo.example.com/new-home');
  const tea = sim.call({ host: 'reviews', port: 9080, path: '/teapot' });
  assert.equal(tea.status, 418);
  assert.equal(tea.body, 'short and stout');
  assert.equal(sim.call({ host: 'reviews', port: 9080, path: '/other' }).status, 404);
});

test('header edits on the route and per destination', () => {
  const sim = simOf(`
  - headers:
      request: { set: { x-env: prod }, add: { x-trace: one }, remove: [x-debug] }
      response: { remove: [server] }
    route:
    - destination: { host: reviews, subset: v1 }
      weight: 50
      headers: { request: { set: { x-subset: v1 } } }
    - { destination: { host: reviews, subset: v2 }, weight: 50 }`);
  const route = sim.call({ host: 'reviews', port: 9080 }).route?.route;
  assert.deepEqual(
    route?.headers.requestAdd.map((h) => [h.key, h.value, h.action]),
    [
      ['x-env', 'prod', 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['x-trace', 'one', 'APPEND_IF_EXISTS_OR_ADD'],
    ],
  );
  assert.deepEqual(route?.headers.requestRemove, ['x-debug']);
  assert.deepEqual(route?.headers.responseRemove, ['server']);
  assert.ok(route);
  const target = (route.action as ForwardAction).target;
  assert.equal(target.kind, 'weighted');
  if (target.kind === 'weighted') assert.equal(target.clusters[0].headers.requestAdd[0].value, 'v1');
});

test('a host header edit becomes the host rewrite, as in Istio, instead of an edit Envoy refuses', () => {
  const sim = simOf(`
  - match: [{ uri: { prefix: /route } }]
    headers:
      request: { set: { Host: set.internal, x-env: prod }, add: { host: add.internal }, remove: [x-debug] }
      response: { remove: [server] }
    route: [{ destination: { host: reviews } }]
  - match: [{ uri: { prefix: /both } }]
    headers: { request: { set: { ':authority': header.internal } } }
    rewrite: { authority: rewrite.internal }
    route: [{ destination: { host: reviews } }]
  - route:
    - destination: { host: reviews, subset: v1 }
      weight: 50
      headers: { request: { add: { host: v1.internal } } }
    - { destination: { host: reviews, subset: v2 }, weight: 50 }`);
  // The route's own edits: set wins over add; nothing Envoy would refuse reaches the proxy (it decodes).
  const route = sim.call({ host: 'reviews', port: 9080, path: '/route' }).route?.route;
  assert.ok(route);
  assert.equal((route.action as ForwardAction).hostRewrite, 'set.internal');
  assert.deepEqual(
    route.headers.requestAdd.map((h) => h.key),
    ['x-env'],
  );
  assert.deepEqual(route.headers.requestRemove, ['x-debug']);
  // rewrite.authority wins over a header edit.
  assert.equal(forward(sim, '/both').hostRewrite, 'rewrite.internal');
  // A destination's host edit rewrites the authority only when that destination is picked.
  const target = forward(sim, '/').target;
  assert.equal(target.kind, 'weighted');
  if (target.kind === 'weighted') {
    assert.deepEqual(
      target.clusters.map((c) => [c.hostRewrite, c.headers.requestAdd.length]),
      [
        ['v1.internal', 0],
        [undefined, 0],
      ],
    );
  }
});

test("timeout: Istio's default disables the route timeout; an explicit one is used", () => {
  assert.equal(
    forward(
      simOf(`
  - route: [{ destination: { host: reviews } }]`),
    ).timeoutMs,
    0,
  );
  assert.equal(
    forward(
      simOf(`
  - timeout: 2.5s
    route: [{ destination: { host: reviews } }]`),
    ).timeoutMs,
    2500,
  );
});

test("retries: Istio's default policy when none is set", () => {
  const retry = forward(
    simOf(`
  - route: [{ destination: { host: reviews } }]`),
  ).retryPolicy;
  assert.deepEqual(retry?.retryOn, [
    'connect-failure',
    'refused-stream',
    'unavailable',
    'cancelled',
    'retriable-status-codes',
  ]);
  assert.equal(retry?.numRetries, 2);
  assert.deepEqual(retry?.retriableStatusCodes, [503]);
  assert.equal(retry?.avoidPreviousHosts, true);
  assert.equal(retry?.hostSelectionRetryMaxAttempts, 5);
});

test('retries: attempts, perTryTimeout, retryOn with status codes; attempts 0 disables', () => {
  const retry = forward(
    simOf(`
  - retries: { attempts: 3, perTryTimeout: 2s, retryOn: "5xx,reset,502" }
    route: [{ destination: { host: reviews } }]`),
  ).retryPolicy;
  assert.equal(retry?.numRetries, 3);
  assert.equal(retry?.perTryTimeoutMs, 2000);
  assert.deepEqual(retry?.retryOn, ['5xx', 'reset', 'retriable-status-codes']);
  assert.deepEqual(retry?.retriableStatusCodes, [502]);
  const none = forward(
    simOf(`
  - retries: { attempts: 0 }
    route: [{ destination: { host: reviews } }]`),
  ).retryPolicy;
  assert.equal(none, undefined);
});

test('fault: delay and abort with percentages in the fault filter per-route config', () => {
  const sim = simOf(`
  - fault:
      delay: { fixedDelay: 7s, percentage: { value: 10 } }
      abort: { httpStatus: 503, percentage: { value: 0.5 } }
    route: [{ destination: { host: reviews } }]`);
  const cfg = sim.call({ host: 'reviews', port: 9080 }).route?.route.perFilterConfig[
    'envoy.filters.http.fault'
  ] as Record<string, unknown>;
  assert.deepEqual(cfg.delay, {
    fixed_delay: '7s',
    percentage: { numerator: 100000, denominator: 'MILLION' },
  });
  assert.deepEqual(cfg.abort, { http_status: 503, percentage: { numerator: 5000, denominator: 'MILLION' } });
});

test('mirror with mirrorPercentage; mirrors without a percentage mirror everything', () => {
  const m = forward(
    simOf(`
  - route: [{ destination: { host: reviews, subset: v1 } }]
    mirror: { host: reviews, subset: v2 }
    mirrorPercentage: { value: 25 }`),
  ).mirrors;
  assert.deepEqual(m, [{ cluster: reviews('v2'), fraction: 0.25 }]);
  const all = forward(
    simOf(`
  - route: [{ destination: { host: reviews, subset: v1 } }]
    mirrors: [{ destination: { host: reviews, subset: v3 } }]`),
  ).mirrors;
  assert.deepEqual(all, [{ cluster: reviews('v3'), fraction: 1 }]);
});

test('CORS policy', () => {
  const cors = forward(
    simOf(`
  - corsPolicy:
      allowOrigins: [{ exact: https://bookinfo.example.com }, { regex: 'https://.*\\.example\\.org' }]
      allowMethods: [GET, POST]
      allowHeaders: [x-custom]
      exposeHeaders: [x-total]
      maxAge: 24h
      allowCredentials: true
    route: [{ destination: { host: reviews } }]`),
  ).cors;
  assert.equal(cors?.allowOrigins.length, 2);
  assert.deepEqual(cors?.allowOrigins[0], {
    kind: 'exact',
    value: 'https://bookinfo.example.com',
    ignoreCase: false,
  });
  assert.equal(cors?.allowMethods, 'GET,POST');
  assert.equal(cors?.allowHeaders, 'x-custom');
  assert.equal(cors?.exposeHeaders, 'x-total');
  assert.equal(cors?.maxAge, '86400');
  assert.equal(cors?.allowCredentials, true);
});

test('delegate: the child VirtualService routes under the parent match', () => {
  const sim = new Simulation(
    snapshotFromYaml(`${SERVICES}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - match: [{ uri: { prefix: /team } }]
    delegate: { name: team-routes, namespace: default }
  - route: [{ destination: { host: reviews, subset: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: team-routes, namespace: default }
spec:
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v3 } }]
  - route: [{ destination: { host: reviews, subset: v2 } }]
`),
    sidecar(),
  );
  assert.equal(
    sim.call({ host: 'reviews', port: 9080, path: '/team/a', headers: { 'end-user': 'jason' } }).cluster,
    reviews('v3'),
  );
  assert.equal(sim.call({ host: 'reviews', port: 9080, path: '/team/a' }).cluster, reviews('v2'));
  assert.equal(
    sim.call({ host: 'reviews', port: 9080, path: '/', headers: { 'end-user': 'jason' } }).cluster,
    reviews('v1'),
  );
});

test('a destination without a port on a one-port service uses that port; short names resolve in the VS namespace', () => {
  const sim = simOf(`
  - route: [{ destination: { host: details } }]`);
  assert.equal(
    sim.call({ host: 'reviews', port: 9080 }).cluster,
    'outbound|9080||details.default.svc.cluster.local',
  );
  assert.deepEqual(sim.call({ host: 'reviews', port: 9080 }).endpoints, ['10.0.2.1:9080']);
});

test('tcp routes: weighted TCP proxy targets for a TCP service port', async () => {
  const { fromBinary, toBinary } = await import('@bufbuild/protobuf');
  const { ListenerSchema } = await import('../../src/generated/envoy/config/listener/v3/listener_pb.js');
  const { decodeListener } = await import('../../src/proxy/xds-client/decode-listener.js');
  const { TranslateContext } = await import('../../src/controlplane/translate/context.js');
  const { listenersFor } = await import('../../src/controlplane/translate/listener/index.js');
  const yaml = `${SERVICES}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: db, namespace: data }
spec:
  hosts: [db]
  tcp:
  - match: [{ port: 5432 }]
    route:
    - { destination: { host: db, subset: primary }, weight: 80 }
    - { destination: { host: db, subset: replica }, weight: 20 }
`;
  const l = listenersFor(new TranslateContext(snapshotFromYaml(yaml), sidecar())).find(
    (x) => x.name === '0.0.0.0_5432',
  );
  assert.ok(l);
  const decoded = decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, l)));
  assert.ok(decoded.ok);
  const filter = decoded.value.filterChains[0].filter;
  assert.ok(filter.kind === 'tcp');
  assert.deepEqual(filter.target, {
    kind: 'weighted',
    clusters: [
      { name: 'outbound|5432|primary|db.data.svc.cluster.local', weight: 80 },
      { name: 'outbound|5432|replica|db.data.svc.cluster.local', weight: 20 },
    ],
  });
});
