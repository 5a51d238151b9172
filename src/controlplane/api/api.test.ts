// The control plane API over a real HTTP server on 127.0.0.1 and a real in-memory ConfigStore: apply with
// analyze's diagnostics, get, delete, sync status with admin ports, push status and analyzer findings.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeResources } from '../../analyze/index.js';
import { FileConfigStore, MemoryConfigStore } from '../../config/index.js';
import { proxyFromNode } from '../model/proxy.js';
import type { ProxyStatus } from '../xds/status.js';
import { ControlPlaneClient } from './client.js';
import { createApiHandler, PushRecorder } from './index.js';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews }
`;

const BAD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: { host: ratings }
      wieght: 10
`;

const PROXY_ID = 'sidecar~10.0.0.9~productpage-v1-1.default~default.svc.cluster.local';

function sampleStatus(): ProxyStatus[] {
  const t = (pushes: number, delay: number) => ({
    typeUrl: 'x',
    state: 'SYNCED' as const,
    sentVersion: '1-abc',
    ackedVersion: '1-abc',
    resourceNames: [],
    pushes,
    lastPushDelayMs: delay,
  });
  return [
    {
      proxyId: PROXY_ID,
      connectionId: `${PROXY_ID}-1`,
      type: 'sidecar',
      namespace: 'default',
      connectedAt: 1000,
      types: {
        CDS: t(2, 40),
        LDS: {
          ...t(3, 700),
          state: 'STALE',
          sentVersion: '2-def',
          nack: { message: 'listener 0.0.0.0_9080: unknown filter', version: '2-def', nonce: '7', at: 5 },
        },
      },
    },
  ];
}

let server: Server;
let store: MemoryConfigStore;
let client: ControlPlaneClient;
let base: string;
const pushes = new PushRecorder();

before(async () => {
  store = new MemoryConfigStore();
  const handler = createApiHandler({
    store,
    status: sampleStatus,
    proxies: () => [proxyFromNode(PROXY_ID, { TRELLIS_ADMIN_PORT: '15123' })],
    analyze: () => analyzeResources(store.all()),
    pushes,
    instance: 'cp-test',
  });
  server = createServer((req, res) => {
    if (!handler(req, res)) {
      res.writeHead(418);
      res.end('not mine');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new ControlPlaneClient(base);
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
});

test('apply creates, then reports unchanged and configured; -n sets the namespace of resources without one', async () => {
  const first = await client.apply(VS, 'vs.yaml', 'bookinfo');
  assert.equal(first.ok, true);
  assert.deepEqual(
    first.body.results.map((r) => [r.kind, r.namespace, r.name, r.action]),
    [['networking.istio.io/VirtualService', 'bookinfo', 'reviews', 'created']],
  );
  assert.ok(store.get('vs', 'bookinfo', 'reviews'));
  assert.equal((await client.apply(VS, 'vs.yaml', 'bookinfo')).body.results[0].action, 'unchanged');
  const changed = VS.replace('host: reviews }', 'host: reviews, port: { number: 9080 } }');
  assert.equal((await client.apply(changed, 'vs.yaml', 'bookinfo')).body.results[0].action, 'configured');
});

test("apply refuses an invalid resource with 400 and analyze's file:line field-path message", async () => {
  const out = await client.apply(BAD, 'bad.yaml', 'default');
  assert.equal(out.ok, false);
  const r = out.body.results[0];
  assert.equal(r.action, 'rejected');
  assert.match(
    r.messages[0],
    /^bad\.yaml:10: VirtualService default\/ratings: spec\.http\[0\]\.route\[0\]\.wieght: /,
  );
  assert.match(r.messages[0], /did you mean "weight"/);
  assert.equal(store.get('vs', 'default', 'ratings'), undefined);
  const empty = await client.apply('', 'empty.yaml', 'default');
  assert.equal(empty.ok, false);
  assert.deepEqual(empty.body.errors, ['error: no objects passed to apply']);
});

test('get lists by kind alias and namespace, gets one by name, 404s a missing one', async () => {
  await client.apply(VS, 'vs.yaml', 'default');
  const all = await client.list({ kind: 'vs' });
  assert.deepEqual(
    all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`),
    ['bookinfo/reviews', 'default/reviews'],
  );
  const one = await client.list({ kind: 'virtualservices', namespace: 'default', name: 'reviews' });
  assert.equal(one.items[0].kind, 'VirtualService');
  assert.deepEqual(one.items[0].spec, {
    hosts: ['reviews'],
    http: [{ route: [{ destination: { host: 'reviews' } }] }],
  });
  await assert.rejects(client.list({ kind: 'vs', namespace: 'default', name: 'nope' }), {
    status: 404,
    message: 'virtualservice.networking.istio.io "nope" not found',
  });
  await assert.rejects(client.list({ kind: 'frobs' }), { status: 400, message: /resource type "frobs"/ });
});

test('delete removes a resource and says so; deleting it again finds nothing', async () => {
  await client.apply(VS, 'vs.yaml', 'gone');
  const ref = { kind: 'networking.istio.io/VirtualService', namespace: 'gone', name: 'reviews' };
  assert.equal((await client.delete(ref)).deleted, true);
  assert.equal(store.get('vs', 'gone', 'reviews'), undefined);
  assert.equal((await client.delete(ref)).deleted, false);
});

test('syncz joins sync status with the admin port the proxy announced', async () => {
  const [p] = await client.syncz();
  assert.equal(p.name, 'productpage-v1-1.default');
  assert.equal(p.controlPlane, 'cp-test');
  assert.deepEqual(p.admin, { host: '127.0.0.1', port: 15123 });
  assert.equal(p.types.LDS.state, 'STALE');
  assert.equal(p.types.LDS.nack?.message, 'listener 0.0.0.0_9080: unknown filter');
});

test('push_status counts pushes per type, current NACKs and the recorded convergence histogram', async () => {
  const cds = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
  const lds = 'type.googleapis.com/envoy.config.listener.v3.Listener';
  // One push of two types to proxy a (one observation), a request-answer without delay, a slow push to b.
  pushes.onPush({ proxyId: 'a', typeUrl: cds, delayMs: 50 });
  pushes.onPush({ proxyId: 'a', typeUrl: lds, delayMs: 50 });
  pushes.onPush({ proxyId: 'a', typeUrl: lds });
  pushes.onPush({ proxyId: 'b', typeUrl: cds, delayMs: 2500 });
  const s = await client.pushStatus();
  assert.deepEqual(s.pushes.byType, { CDS: 2, LDS: 2 });
  assert.equal(s.xdsErrors.current, 1);
  assert.deepEqual(s.xdsErrors.byType, { LDS: 1 });
  assert.equal(s.convergence.source, 'recorded');
  assert.equal(s.convergence.count, 2);
  assert.deepEqual(
    s.convergence.buckets.map((b) => b.count),
    [1, 1, 1, 2, 2, 2, 2, 2, 2],
  );
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /^pilot_proxy_convergence_time_bucket\{le="3"\} 2$/m);
  assert.match(metrics, /^pilot_xds_pushes\{type="lds"\} 2$/m);
});

test('analyze findings are served as JSON and as the CLI text lines', async () => {
  await client.apply(
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: gw-vs, namespace: default }
spec:
  hosts: [x.example.com]
  gateways: [missing-gateway]
  http: [{ route: [{ destination: { host: reviews } }] }]
`,
    'gw.yaml',
    'default',
  );
  const findings = await client.analyze();
  const missing = findings.find((f) => f.code === 'IST0101' && f.resource.includes('gw-vs'));
  // The line of `gateways: [missing-gateway]` in the applied text, not the document's first line.
  assert.equal(missing?.line, 6);
  assert.equal(missing?.path, 'spec.gateways[0]');
  const text = await (await fetch(`${base}/debug/analyze?output=text`)).text();
  assert.match(text, /Error \[IST0101\] \(VirtualService default\/gw-vs gw\.yaml:6\)/);
});

test('paths that are not the API are left to the server; wrong methods get 405', async () => {
  assert.equal((await fetch(`${base}/healthz`)).status, 418);
  assert.equal((await fetch(`${base}/apis/apply`)).status, 405);
  assert.equal((await fetch(`${base}/debug/registryz`)).status, 418);
});

test('a server without the API mounted is named as such, not taken for a missing resource', async () => {
  const bare = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const other = new ControlPlaneClient(`http://127.0.0.1:${(bare.address() as AddressInfo).port}`);
  try {
    await assert.rejects(other.list({ kind: 'vs' }), /does not serve the Trellis control plane API/);
    await assert.rejects(
      other.delete({ kind: 'vs', namespace: 'default', name: 'x' }),
      /does not serve the Trellis control plane API/,
    );
  } finally {
    await new Promise<void>((r) => bare.close(() => r()));
  }
});

test('live analysis also reports files of a file store that fail validation, with their file:line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-api-analyze-'));
  writeFileSync(join(dir, 'bad.yaml'), BAD);
  const files = await FileConfigStore.open(dir, { watch: false });
  const handler = createApiHandler({ store: files, status: () => [], analyze: () => [], instance: 'x' });
  const srv = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const c = new ControlPlaneClient(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
    const [f] = await c.analyze();
    assert.equal(f.code, 'IST0106');
    assert.equal(f.file, join(dir, 'bad.yaml'));
    assert.equal(f.line, 10);
    assert.equal(f.path, 'spec.http[0].route[0].wieght');
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
    await files.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
