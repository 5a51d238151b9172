// Proxyless gRPC end to end: a real @grpc/grpc-js-xds client (its own process, bootstrap with
// GENERATOR=grpc) dials xds:///reviews.default:9080 and is routed by the control plane's VirtualService —
// header match, 80/20 weight split, fault abort, timeout, retries — to two @grpc/grpc-js servers (v1, v2)
// behind one ServiceEntry on 127.0.0.1; a change applied to the store reaches the client within seconds, and
// the client's ACKs show in the ADS status with no NACK.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { ControlPlane } from '../../src/controlplane/server.js';
import { freePort } from '../../src/runtime/ports.js';
import { resourcesFromYaml } from '../simulation/registry-yaml.js';

const METHOD = '/test.Version/Get';
const HOST = 'reviews.default.svc.cluster.local';
const identity = (b: Buffer) => b;

/** Attempts seen per x-request-key (for the retry route: fail the first `x-fail-times` attempts). */
const attempts = new Map<string, number>();
const served = { v1: 0, v2: 0 };

/** A gRPC server answering its version; `x-delay-ms` delays the answer, `x-fail-times` fails early attempts. */
async function versionServer(version: 'v1' | 'v2'): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(
    {
      Get: {
        path: METHOD,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Get: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        served[version]++;
        const md = call.metadata;
        const key = String(md.get('x-request-key')[0] ?? '');
        const failTimes = Number(md.get('x-fail-times')[0] ?? 0);
        if (key !== '' && failTimes > 0) {
          const n = (attempts.get(key) ?? 0) + 1;
          attempts.set(key, n);
          if (n <= failTimes) {
            callback({ code: grpc.status.UNAVAILABLE, details: `attempt ${n} fails` });
            return;
          }
        }
        const delay = Number(md.get('x-delay-ms')[0] ?? 0);
        const reply = () => callback(null, Buffer.from(version));
        if (delay > 0) setTimeout(reply, delay);
        else reply();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { server, port };
}

/** The mesh config; `hashByUser` adds consistent hashing on the x-user header to the DestinationRule. */
function mesh(v1Port: number, v2Port: number, weights: [number, number], hashByUser = false): string {
  const trafficPolicy = hashByUser
    ? '\n  trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } } }'
    : '';
  return `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: default }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9080, name: grpc, protocol: GRPC }]
  endpoints:
  - { address: 127.0.0.1, ports: { grpc: ${v1Port} }, labels: { app: reviews, version: v1 } }
  - { address: 127.0.0.1, ports: { grpc: ${v2Port} }, labels: { app: reviews, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: ${HOST}${trafficPolicy}
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - name: canary
    match: [{ headers: { x-canary: { exact: "true" } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - name: fault
    match: [{ headers: { x-fault: { exact: "abort" } } }]
    fault: { abort: { grpcStatus: PERMISSION_DENIED, percentage: { value: 100 } } }
    route: [{ destination: { host: reviews, subset: v1 } }]
  - name: delayed
    match: [{ headers: { x-fault: { exact: "delay" } } }]
    fault: { delay: { fixedDelay: 300ms, percentage: { value: 100 } } }
    route: [{ destination: { host: reviews, subset: v1 } }]
  - name: hashed
    match: [{ headers: { x-hash: { exact: "true" } } }]
    route: [{ destination: { host: reviews } }]
  - name: slow
    match: [{ headers: { x-slow: { exact: "true" } } }]
    timeout: 200ms
    route: [{ destination: { host: reviews, subset: v1 } }]
  - name: retried
    match: [{ headers: { x-retry: { exact: "true" } } }]
    retries: { attempts: 4, retryOn: unavailable }
    route: [{ destination: { host: reviews, subset: v1 } }]
  - name: split
    route:
    - { destination: { host: reviews, subset: v1 }, weight: ${weights[0]} }
    - { destination: { host: reviews, subset: v2 }, weight: ${weights[1]} }
`;
}

interface Tally {
  versions: Record<string, number>;
  errors: Record<string, number>;
  /** Wall time of the whole command, ms. */
  ms: number;
}

/** The client process and a request/response helper over its JSON-line protocol. */
class XdsClientProcess {
  private nextId = 0;
  private readonly pending = new Map<number, (t: Tally) => void>();
  stderr = '';

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as Tally & { id: number };
      this.pending.get(msg.id)?.(msg);
      this.pending.delete(msg.id);
    });
    child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
  }

  run(cmd: {
    calls: number;
    metadata?: Record<string, string>;
    deadlineMs?: number;
    uniqueKey?: string;
    concurrency?: number;
    target?: string;
  }): Promise<Tally> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`client did not answer; stderr:\n${this.stderr}`)), 20_000);
      this.pending.set(id, (tally) => {
        clearTimeout(t);
        resolve(tally);
      });
      this.child.stdin.write(`${JSON.stringify({ id, ...cmd })}\n`);
    });
  }
}

/** node arguments running a helper under ./proxyless, compiled (dist/) or from source (tsx). */
function scriptArgv(name: 'client' | 'server'): string[] {
  const compiled = fileURLToPath(import.meta.url).endsWith('.js');
  const script = fileURLToPath(new URL(`./proxyless/${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return compiled ? [script] : ['--import', 'tsx', script];
}

const CLIENT_ID = 'sidecar~127.0.0.1~grpc-client.default~default.svc.cluster.local';
const SERVER_ID = 'sidecar~127.0.0.1~grpc-server.default~default.svc.cluster.local';

/** A gRPC xDS bootstrap for the control plane on `xdsPort`, as Istio's agent writes it for proxyless pods. */
function bootstrap(xdsPort: number, nodeId: string): string {
  return JSON.stringify({
    xds_servers: [
      {
        server_uri: `127.0.0.1:${xdsPort}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: { id: nodeId, metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' }, locality: {} },
    server_listener_resource_name_template: 'xds.istio.io/grpc/lds/inbound/%s',
  });
}

let dir: string;
let cp: ControlPlane;
let v1: { server: grpc.Server; port: number };
let v2: { server: grpc.Server; port: number };
let client: XdsClientProcess;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-proxyless-'));
  v1 = await versionServer('v1');
  v2 = await versionServer('v2');
  cp = await ControlPlane.start({ configDir: dir, xdsPort: 0, httpPort: 0, watch: false });
  await cp.store.apply(resourcesFromYaml(mesh(v1.port, v2.port, [80, 20])));
  const child = spawn(process.execPath, [...scriptArgv('client'), 'xds:///reviews.default:9080'], {
    env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: bootstrap(cp.xdsPort, CLIENT_ID) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  client = new XdsClientProcess(child);
  // The proxyless server starts alongside (each process spends seconds loading grpc-js-xds's protos).
  xdsServerPort = await freePort();
  xdsServer = spawn(process.execPath, [...scriptArgv('server'), String(xdsServerPort), 'v3'], {
    env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: bootstrap(cp.xdsPort, SERVER_ID) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  xdsServer.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: xdsServer.stdout });
  xdsServerServing = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server never served; stderr:\n${stderr}`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(t);
      resolve(line);
    });
  });
  // Unobserved until its test: a rejection must not count as unhandled before then.
  xdsServerServing.catch(() => {});
});

let xdsServer: ChildProcessWithoutNullStreams | undefined;
let xdsServerPort = 0;
/** Resolves with the server's first output line (`serving <port>`). */
let xdsServerServing: Promise<string>;

after(async () => {
  client?.child.stdin.end();
  client?.child.kill();
  xdsServer?.stdin.end();
  xdsServer?.kill();
  await cp?.close();
  v1?.server.forceShutdown();
  v2?.server.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

test('the header match sends every call to v2', async () => {
  const t = await client.run({ calls: 50, metadata: { 'x-canary': 'true' } });
  assert.deepEqual(t.versions, { v2: 50 }, JSON.stringify(t));
});

test('the FQDN target is routed by the same VirtualService', async () => {
  const target = `xds:///${HOST}:9080`;
  const canary = await client.run({ calls: 20, metadata: { 'x-canary': 'true' }, target });
  assert.deepEqual(canary.versions, { v2: 20 }, JSON.stringify(canary));
  const fault = await client.run({ calls: 5, metadata: { 'x-fault': 'abort' }, target });
  assert.deepEqual(fault.errors, { PERMISSION_DENIED: 5 }, JSON.stringify(fault));
});

test('the weight split sends 80 % ± 6 points to v1 over 500 calls', async () => {
  const t = await client.run({ calls: 500 });
  assert.deepEqual(t.errors, {});
  const share = (t.versions.v1 ?? 0) / 500;
  // Binomial(500, 0.8): σ ≈ 1.8 points, so ± 6 points is over 3σ.
  assert.ok(Math.abs(share - 0.8) <= 0.06, `v1 share ${share} (${JSON.stringify(t.versions)})`);
  assert.equal((t.versions.v1 ?? 0) + (t.versions.v2 ?? 0), 500);
});

test('fault abort answers the gRPC status without reaching a server', async () => {
  const before = served.v1 + served.v2;
  const t = await client.run({ calls: 20, metadata: { 'x-fault': 'abort' } });
  assert.deepEqual(t.errors, { PERMISSION_DENIED: 20 }, JSON.stringify(t));
  assert.equal(served.v1 + served.v2, before);
});

test('fault delay holds every call for the fixed delay before it reaches the server', async () => {
  const t = await client.run({ calls: 4, metadata: { 'x-fault': 'delay' }, concurrency: 1 });
  assert.deepEqual(t.versions, { v1: 4 }, JSON.stringify(t));
  assert.ok(t.ms >= 4 * 300, `4 sequential calls took ${t.ms} ms`);
});

test('the route timeout ends a slow call with DEADLINE_EXCEEDED; a fast one succeeds', async () => {
  const slow = await client.run({ calls: 4, metadata: { 'x-slow': 'true', 'x-delay-ms': '1000' } });
  assert.deepEqual(slow.errors, { DEADLINE_EXCEEDED: 4 }, JSON.stringify(slow));
  const fast = await client.run({ calls: 4, metadata: { 'x-slow': 'true', 'x-delay-ms': '10' } });
  assert.deepEqual(fast.versions, { v1: 4 }, JSON.stringify(fast));
});

test('retries: 4 attempts on unavailable outlast 3 failures; the default policy (2 retries) does not', async () => {
  const retried = await client.run({
    calls: 10,
    metadata: { 'x-retry': 'true', 'x-fail-times': '3' },
    uniqueKey: 'x-request-key',
  });
  assert.deepEqual(retried.versions, { v1: 10 }, JSON.stringify(retried));
  const fallthrough = await client.run({
    calls: 10,
    metadata: { 'x-canary': 'true', 'x-fail-times': '3' },
    uniqueKey: 'x-request-key',
  });
  assert.deepEqual(fallthrough.errors, { UNAVAILABLE: 10 }, JSON.stringify(fallthrough));
});

test('a weight change applied to the store reaches the client within 5 s', async () => {
  await cp.store.apply(resourcesFromYaml(mesh(v1.port, v2.port, [0, 100])));
  const start = Date.now();
  let last: Tally | undefined;
  while (Date.now() - start < 5000) {
    last = await client.run({ calls: 20 });
    if (last.versions.v2 === 20) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(last?.versions, { v2: 20 }, `after ${Date.now() - start} ms: ${JSON.stringify(last)}`);
  // Settled: every call goes to v2 now.
  const t = await client.run({ calls: 100 });
  assert.deepEqual(t.versions, { v2: 100 });
});

test('the client shows in the ADS status as a proxyless gRPC client that ACKed every type, no NACK', async () => {
  const status = cp.ads.status().filter((s) => s.proxyId === CLIENT_ID);
  assert.equal(status.length, 1, JSON.stringify(cp.ads.status()));
  assert.equal(status[0].generator, 'grpc');
  const types = status[0].types;
  assert.deepEqual(Object.keys(types).sort(), ['CDS', 'EDS', 'LDS', 'RDS']);
  for (const [name, t] of Object.entries(types)) {
    assert.equal(t.state, 'SYNCED', `${name}: ${JSON.stringify(t)}`);
    assert.equal(t.nack, undefined, `${name} NACK: ${t.nack?.message}`);
  }
  assert.deepEqual(types.LDS.resourceNames, [`${HOST}:9080`, 'reviews.default:9080']);
  assert.deepEqual(types.RDS.resourceNames, [`outbound|9080||${HOST}`]);
  // The subsets of the split and header routes, and the whole service for the `hashed` route.
  assert.deepEqual(types.CDS.resourceNames, [
    `outbound|9080|v1|${HOST}`,
    `outbound|9080|v2|${HOST}`,
    `outbound|9080||${HOST}`,
  ]);
});

test('a proxyless gRPC server serves once it has its inbound listener from the control plane', async () => {
  const port = xdsServerPort;
  const serving = await xdsServerServing;
  assert.equal(serving, `serving ${port}`);
  // A plain gRPC call reaches it through the listener's filter chain (router, non-forwarding route).
  const direct = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const reply = await new Promise<string>((resolve, reject) =>
      direct.makeUnaryRequest(
        METHOD,
        identity,
        identity,
        Buffer.alloc(0),
        new grpc.Metadata(),
        { deadline: Date.now() + 5000 },
        (err, r) => (err ? reject(err) : resolve(r?.toString() ?? '')),
      ),
    );
    assert.equal(reply, 'v3');
  } finally {
    direct.close();
  }
  const [st] = cp.ads.status().filter((s) => s.proxyId === SERVER_ID);
  assert.equal(st?.generator, 'grpc');
  assert.deepEqual(st.types.LDS.resourceNames, [`xds.istio.io/grpc/lds/inbound/127.0.0.1:${port}`]);
  assert.equal(st.types.LDS.state, 'SYNCED');
  assert.equal(st.types.LDS.nack, undefined);
});

test('consistent hashing on a header keeps one user on one version, and spreads many users', async () => {
  await cp.store.apply(resourcesFromYaml(mesh(v1.port, v2.port, [0, 100], true)));
  const hashed = (user: string) =>
    client.run({ calls: 10, metadata: { 'x-hash': 'true', 'x-user': user }, concurrency: 1 });
  // Until the ring-hash config arrives the route round-robins over both versions; then alice sticks to one.
  const start = Date.now();
  let first = await hashed('alice');
  while (Object.keys(first.versions).length !== 1 && Date.now() - start < 5000) {
    await new Promise((r) => setTimeout(r, 100));
    first = await hashed('alice');
  }
  assert.equal(Object.keys(first.versions).length, 1, `alice: ${JSON.stringify(first)}`);
  for (let i = 0; i < 3; i++) {
    const again = await hashed('alice');
    assert.deepEqual(again.versions, first.versions, 'alice stays on one version');
  }
  const seen = new Set<string>();
  for (let i = 0; i < 24 && seen.size < 2; i++) {
    const t = await client.run({ calls: 1, metadata: { 'x-hash': 'true', 'x-user': `user-${i}` } });
    for (const v of Object.keys(t.versions)) seen.add(v);
  }
  assert.deepEqual([...seen].sort(), ['v1', 'v2'], 'different users land on both versions');
  const [st] = cp.ads.status().filter((s) => s.proxyId === CLIENT_ID);
  for (const [name, t] of Object.entries(st.types))
    assert.equal(t.nack, undefined, `${name} NACK: ${t.nack?.message}`);
});
