// `trellis get` on Gateway API kinds against the real API handler on 127.0.0.1 over a file store: -o yaml
// shows the status the control plane computes (Gateway listeners, route parents), tables show PROGRAMMED and
// route PARENTS, kubectl's `<kind>.<group>` spelling works, and nothing is written back to the user's file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { FileConfigStore } from '../config/index.js';
import { createApiHandler } from '../controlplane/api/index.js';
import { analyzeGatewayApi } from '../controlplane/model/gateway-api.js';
import { runGet } from './get.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const CONFIG = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: istio
  listeners:
  - { name: http, port: 8080, protocol: HTTP }
  - { name: tcp, port: 9000, protocol: TCP }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  hostnames: [web.example.com]
  rules:
  - backendRefs: [{ name: web, port: 80 }, { name: api, namespace: other, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: lost, namespace: default }
spec:
  parentRefs: [{ name: gw, sectionName: tcp }]
`;

let server: Server;
let store: FileConfigStore;
let controlplane: string;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-get-status-'));
  writeFileSync(join(dir, 'gateway.yaml'), CONFIG);
  store = await FileConfigStore.open(dir, { watch: false });
  const handler = createApiHandler({
    store,
    status: () => [],
    analyze: () => [],
    instance: 'cp',
    resourceStatus: () =>
      analyzeGatewayApi(store.all(), 'cluster.local', {
        serviceExists: (h) => h === 'web.default.svc.cluster.local',
      }).status,
  });
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  controlplane = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('get gateway.gateway.networking.k8s.io gw -o yaml shows listeners with attachedRoutes and conditions', async () => {
  const out = new Capture();
  const err = new Capture();
  const code = await runGet(
    'gateway.gateway.networking.k8s.io',
    'gw',
    { namespace: 'default', output: 'yaml', controlplane },
    out,
    err,
  );
  assert.equal(code, 0, err.text);
  const gw = parse(out.text);
  assert.equal(gw.kind, 'Gateway');
  assert.deepEqual(
    gw.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`),
    ['Accepted=True', 'Programmed=True'],
  );
  assert.deepEqual(
    gw.status.listeners.map((l: { name: string; attachedRoutes: number }) => [l.name, l.attachedRoutes]),
    [
      ['http', 1],
      ['tcp', 0],
    ],
  );
  assert.deepEqual(gw.status.listeners[1].supportedKinds, [
    { group: 'gateway.networking.k8s.io', kind: 'TCPRoute' },
  ]);
  assert.doesNotMatch(readFileSync(join(dir, 'gateway.yaml'), 'utf8'), /status/, 'status is never stored');
});

test('a route’s status: RefNotPermitted for the cross-namespace backend; NotAllowedByListeners for HTTP on TCP', async () => {
  const out = new Capture();
  assert.equal(
    await runGet('httproute', 'web', { namespace: 'default', output: 'yaml', controlplane }, out, out),
    0,
  );
  const [parent] = parse(out.text).status.parents;
  assert.deepEqual(parent.parentRef, {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name: 'gw',
    sectionName: 'http',
  });
  const byType = Object.fromEntries(
    parent.conditions.map((c: { type: string; status: string; reason: string }) => [
      c.type,
      `${c.status} ${c.reason}`,
    ]),
  );
  assert.deepEqual(byType, { Accepted: 'True Accepted', ResolvedRefs: 'False RefNotPermitted' });

  const table = new Capture();
  assert.equal(
    await runGet('httproutes', undefined, { namespace: 'default', controlplane }, table, table),
    0,
  );
  const lines = table.text.trim().split('\n');
  assert.match(lines[0], /^NAME\s+HOSTNAMES\s+PARENTS$/);
  assert.match(table.text, /\nlost\s+gw\/tcp=NotAccepted\n/);
  assert.match(table.text, /\nweb\s+web\.example\.com\s+gw\/http=Accepted\n/);

  const gws = new Capture();
  await runGet(
    'gateways.gateway.networking.k8s.io',
    undefined,
    { namespace: 'default', controlplane },
    gws,
    gws,
  );
  assert.match(gws.text, /^NAME\s+CLASS\s+PROGRAMMED\ngw\s+istio\s+True\n$/);
});
