// The control plane end to end on loopback: config directory → snapshot → ADS to a gRPC client; a proxy's
// own workload registers through its stream; file edits are pushed; /debug endpoints report status; and the
// `trellis controlplane` command starts and answers /ready.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { ControlPlane } from '../../src/controlplane/server.js';
import { TYPE_URLS } from '../../src/controlplane/translate/generators.js';
import { ClusterSchema } from '../../src/generated/envoy/config/cluster/v3/cluster_pb.js';
import { NodeSchema } from '../../src/generated/envoy/config/core/v3/base_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { RouteConfigurationSchema } from '../../src/generated/envoy/config/route/v3/route_pb.js';
import { trellisArgv } from '../helpers/trellis-bin.js';
import { AdsTestClient } from '../simulation/ads-client.js';

const SERVICES = `apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: productpage, namespace: default }
spec: { selector: { app: productpage }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;

let dir: string;
let cp: ControlPlane;
const clients: AdsTestClient[] = [];

const node = (name: string, labels: Record<string, string>, inboundPort: number) =>
  create(NodeSchema, {
    id: `sidecar~127.0.0.1~${name}.default~default.svc.cluster.local`,
    metadata: {
      NAMESPACE: 'default',
      LABELS: labels,
      INSTANCE_IPS: '127.0.0.1',
      POD_PORTS: JSON.stringify([{ name: 'http', containerPort: inboundPort }]),
      TRELLIS_OUTBOUND_PORT: '15001',
      TRELLIS_INBOUND_PORT: String(inboundPort),
      TRELLIS_APP_PORTS: JSON.stringify({ 9080: inboundPort + 1 }),
    },
  });

async function getJson(path: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${cp.httpPort}${path}`);
  return res.json();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-cp-'));
  writeFileSync(join(dir, 'services.yaml'), SERVICES);
  cp = await ControlPlane.start({ configDir: dir, xdsPort: 0, httpPort: 0, watch: true });
});

after(async () => {
  for (const c of clients) c.close();
  await cp.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a sidecar registers its workload through ADS and peers get its inbound address as an endpoint', async () => {
  const reviews = new AdsTestClient(
    `127.0.0.1:${cp.xdsPort}`,
    node('reviews-v2', { app: 'reviews', version: 'v2' }, 20001),
  );
  clients.push(reviews);
  reviews.send({ typeUrl: TYPE_URLS.cluster });
  const own = await reviews.nextOf(TYPE_URLS.cluster);
  reviews.ack(own);
  const productpage = new AdsTestClient(
    `127.0.0.1:${cp.xdsPort}`,
    node('productpage-v1', { app: 'productpage' }, 20011),
  );
  clients.push(productpage);
  const subset = 'outbound|9080|v2|reviews.default.svc.cluster.local';
  // The registration lands through a snapshot rebuild: poll EDS until the endpoint appears.
  let endpoints: string[] = [];
  for (let i = 0; i < 40 && endpoints.length === 0; i++) {
    productpage.send({ typeUrl: TYPE_URLS.endpoint, resourceNames: [subset], responseNonce: '' });
    const eds = await productpage.nextOf(TYPE_URLS.endpoint);
    const cla = anyUnpack(eds.resources[0], ClusterLoadAssignmentSchema);
    endpoints = (cla?.endpoints ?? []).flatMap((l) =>
      l.lbEndpoints.flatMap((e) => {
        const a = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value.address?.address : undefined;
        return a?.case === 'socketAddress' ? [`${a.value.address}:${a.value.portSpecifier.value}`] : [];
      }),
    );
    productpage.ack(eds, [subset]);
    if (endpoints.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(endpoints, ['127.0.0.1:20001']);
  // reviews' own config now has its inbound cluster pointing at the app port.
  const cds = await reviews.nextOf(TYPE_URLS.cluster);
  const inbound = cds.resources
    .map((a) => anyUnpack(a, ClusterSchema))
    .find((c) => c?.name === 'inbound|9080||');
  assert.ok(inbound, 'inbound cluster pushed after registration');
  reviews.ack(cds);
  const registry = (await getJson('/debug/registryz')) as { instances: { address: string; port: number }[] };
  assert.ok(registry.instances.some((i) => i.address === '127.0.0.1' && i.port === 20001));
});

test('a VirtualService written to the config directory is pushed to subscribed proxies', async () => {
  const client = clients[1];
  client.send({ typeUrl: TYPE_URLS.route, resourceNames: ['http_proxy'] });
  const first = await client.nextOf(TYPE_URLS.route);
  client.ack(first, ['http_proxy']);
  writeFileSync(
    join(dir, 'reviews-vs.yaml'),
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v2 } }] }]
`,
  );
  const pushed = await client.nextOf(TYPE_URLS.route, 8000);
  const rc = anyUnpack(pushed.resources[0], RouteConfigurationSchema);
  const vh = rc?.virtualHosts.find((v) => v.name === 'reviews.default.svc.cluster.local:9080');
  const action = vh?.routes[0].action;
  assert.equal(
    action?.case === 'route' && action.value.clusterSpecifier.value,
    'outbound|9080|v2|reviews.default.svc.cluster.local',
  );
  client.ack(pushed, ['http_proxy']);
  await new Promise((r) => setTimeout(r, 100));
  const sync = (await getJson('/debug/syncz')) as {
    proxyId: string;
    types: Record<string, { state: string }>;
  }[];
  const pp = sync.find((s) => s.proxyId.includes('productpage'));
  assert.equal(pp?.types.RDS.state, 'SYNCED');
  const configz = (await getJson('/debug/configz')) as { resources: { kind: string }[] };
  assert.ok(configz.resources.some((r) => r.kind === 'VirtualService'));
  const dump = (await getJson('/debug/config_dump?proxyID=productpage-v1.default')) as {
    listeners: { name: string }[];
  };
  assert.ok(dump.listeners.some((l) => l.name === 'http_proxy'));
});

test('a Sidecar written for a namespace is pushed to the proxies there (scoped push)', async () => {
  const reviews = clients[0];
  writeFileSync(
    join(dir, 'sidecar.yaml'),
    `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  egress: [{ hosts: ["./productpage.default.svc.cluster.local"] }]
`,
  );
  const cds = await reviews.nextOf(TYPE_URLS.cluster, 8000);
  const names = cds.resources.map((a) => anyUnpack(a, ClusterSchema)?.name ?? '');
  assert.ok(names.includes('outbound|9080||productpage.default.svc.cluster.local'));
  assert.ok(
    !names.some((n) => n.startsWith('outbound|') && n.endsWith('reviews.default.svc.cluster.local')),
    names.join(' '),
  );
  reviews.ack(cds);
});

test('`trellis controlplane` starts, answers /ready and stops on SIGTERM', async () => {
  const [cmd, ...args] = trellisArgv();
  const child = spawn(
    cmd,
    [...args, 'controlplane', '--config-dir', dir, '--xds-port', '0', '--http-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(`not ready: ${out}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /HTTP on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/ready`);
    assert.equal(res.status, 200);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
