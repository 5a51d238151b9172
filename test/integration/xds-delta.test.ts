// Integration: a real `trellis proxy` whose bootstrap says ads_config.api_type DELTA_GRPC, against the real
// control plane on loopback: it serves traffic from delta-delivered config, applies an added route and a
// removed cluster, shows the same config_dump as a SotW proxy, and reconnects after the control plane
// restarts, telling the new one the versions it holds (so unchanged resources are not sent again). The NACK
// of a bad update is in xds-delta-nack.test.ts: the control plane validates what it serves, so a scripted
// server sends the bad resource there.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ControlPlane } from '../../src/controlplane/server.js';
import type { ProxyResources } from '../../src/proxy/config/bootstrap.js';
import { AdsClient, type AdsEvent, nodeIdentityFor } from '../../src/proxy/xds-client/index.js';
import { proxyBootstrap } from '../../src/runtime/bootstrap.js';
import { freePort } from '../../src/runtime/ports.js';
import { trellisArgv } from '../helpers/trellis-bin.js';
import { SERVICES } from '../simulation/fixtures.js';

const HOST = 'echo.default.svc.cluster.local:9080';
const ECHO_B_CLUSTER = 'outbound|9080||echo-b.default.svc.cluster.local';

const service = (name: string, port: number) => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec: { selector: { app: ${name} }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}-1, namespace: default }
spec: { address: 127.0.0.1, labels: { app: ${name} }, ports: { http: ${port} } }
`;

/** /b goes to echo-b; everything else to echo. */
const routeToB = () => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo, namespace: default }
spec:
  hosts: [echo]
  http:
  - match: [{ uri: { prefix: /b } }]
    route: [{ destination: { host: echo-b } }]
  - route: [{ destination: { host: echo } }]
`;

/** A plain HTTP server answering with its name. */
async function echoServer(name: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

/** GET through the proxy's outbound (forward-proxy) listener; resolves status and body. */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, headers: { host: HOST, connection: 'close' } },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Thrown by a check to stop waiting at once (other errors count as "not yet": the proxy may be starting). */
class Fatal extends Error {}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const t0 = Date.now();
  const ready = () =>
    Promise.resolve()
      .then(check)
      .catch((err: unknown) => {
        if (err instanceof Fatal) throw err;
        return false;
      });
  while (!(await ready())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Json = Record<string, unknown>;

async function configDump(adminPort: number): Promise<Json[]> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/config_dump?include_eds`);
  return ((await res.json()) as { configs: Json[] }).configs;
}

/** `dynamic_*` entries of one config_dump section, by resource name. */
function dynamicEntries(configs: Json[], typeSuffix: string): Map<string, Json> {
  const section = configs.find((c) => String(c['@type']).endsWith(typeSuffix)) ?? {};
  const out = new Map<string, Json>();
  for (const [key, list] of Object.entries(section)) {
    if (!key.startsWith('dynamic_') || !Array.isArray(list)) continue;
    for (const e of list as Json[]) {
      const inner = (e.cluster ?? e.route_config ?? e.active_state ?? e.endpoint_config ?? e) as Json;
      const name = String(e.name ?? inner.name ?? inner.cluster_name ?? '');
      out.set(`${key}/${name}`, e);
    }
  }
  return out;
}

interface RunningProxy {
  child: ChildProcess;
  adminPort: number;
  outboundPort: number;
  output: () => string;
}

async function startProxy(
  dir: string,
  name: string,
  xdsPort: number,
  apiType: 'GRPC' | 'DELTA_GRPC',
): Promise<RunningProxy> {
  const adminPort = await freePort();
  const outboundPort = await freePort();
  const bootstrap = proxyBootstrap({
    identity: {
      type: 'sidecar',
      name,
      namespace: 'default',
      labels: { app: name },
      serviceAccount: name,
      domain: 'cluster.local',
    },
    adminPort,
    xds: { host: '127.0.0.1', port: xdsPort },
    metadata: {
      TRELLIS_OUTBOUND_PORT: String(outboundPort),
      TRELLIS_INBOUND_PORT: String(await freePort()),
    },
  });
  const dynamic = bootstrap.dynamic_resources as { ads_config: { api_type: string } };
  dynamic.ads_config.api_type = apiType;
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(bootstrap));
  const [cmd, ...pre] = trellisArgv();
  const child = spawn(cmd, [...pre, 'proxy', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return { child, adminPort, outboundPort, output: () => out };
}

async function stopProxy(p: RunningProxy | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  await new Promise((r) => p.child.once('exit', r));
}

describe('trellis proxy with ads_config.api_type DELTA_GRPC', () => {
  let dir: string;
  let configDir: string;
  let cp: ControlPlane;
  let xdsPort: number;
  let a: Awaited<ReturnType<typeof echoServer>>;
  let b: Awaited<ReturnType<typeof echoServer>>;
  let delta: RunningProxy;
  let sotw: RunningProxy | undefined;
  const cpLog: string[] = [];

  const proxyStatus = (name: string) =>
    cp.ads.status().find((s) => s.proxyId.startsWith(`sidecar~127.0.0.1~${name}.`));
  const synced = (name: string) => {
    const s = proxyStatus(name);
    return (
      s?.types.CDS?.state === 'SYNCED' && s.types.LDS?.state === 'SYNCED' && s.types.RDS?.state === 'SYNCED'
    );
  };
  const startControlPlane = async (port: number) =>
    ControlPlane.start({ configDir, xdsPort: port, httpPort: 0, log: (l) => cpLog.push(l) });

  before(async () => {
    a = await echoServer('a');
    b = await echoServer('b');
    dir = mkdtempSync(join(tmpdir(), 'trellis-delta-'));
    configDir = join(dir, 'config');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'echo.yaml'), service('echo', a.port));
    cp = await startControlPlane(0);
    xdsPort = cp.xdsPort;
    delta = await startProxy(dir, 'client', xdsPort, 'DELTA_GRPC');
    await until(
      'the delta proxy to ACK clusters, listeners and routes',
      () => {
        if (delta.child.exitCode !== null) throw new Fatal(`proxy exited:\n${delta.output()}`);
        return synced('client');
      },
      30_000,
    );
  });

  after(async () => {
    await stopProxy(delta);
    await stopProxy(sotw);
    await cp?.close();
    a?.server.close();
    b?.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('speaks DeltaAggregatedResources and serves a request on the config it received', async () => {
    const status = proxyStatus('client');
    assert.ok(status);
    // Delta responses carry the control plane's delta nonces (SotW ones are bare numbers).
    assert.match(status.types.CDS.nonce ?? '', /^d\d+$/, JSON.stringify(status.types.CDS));
    assert.deepEqual(status.types.LDS.resourceNames, [], 'LDS is a wildcard subscription');
    assert.ok(status.types.EDS.resourceNames.includes('outbound|9080||echo.default.svc.cluster.local'));
    const r = await get(delta.outboundPort, '/');
    assert.deepEqual(r, { status: 200, body: 'a' });
  });

  it('applies an added route to a new cluster, then the removal of that cluster', async () => {
    writeFileSync(join(configDir, 'echo-b.yaml'), service('echo-b', b.port));
    writeFileSync(join(configDir, 'vs.yaml'), routeToB());
    await until(
      'the /b route to reach the delta proxy',
      async () => (await get(delta.outboundPort, '/b/x')).body === 'b',
    );
    assert.equal((await get(delta.outboundPort, '/')).body, 'a', 'other paths still go to echo');
    assert.ok(
      proxyStatus('client')?.types.EDS.resourceNames.includes(ECHO_B_CLUSTER),
      'EDS subscribed echo-b',
    );

    unlinkSync(join(configDir, 'vs.yaml'));
    unlinkSync(join(configDir, 'echo-b.yaml'));
    await until('echo-b to leave the proxy', async () => {
      const clusters = dynamicEntries(await configDump(delta.adminPort), 'ClustersConfigDump');
      return ![...clusters.keys()].some((k) => k.endsWith(`/${ECHO_B_CLUSTER}`));
    });
    await until(
      'EDS to unsubscribe echo-b',
      () => !proxyStatus('client')?.types.EDS.resourceNames.includes(ECHO_B_CLUSTER),
    );
    assert.equal((await get(delta.outboundPort, '/b/x')).body, 'a', '/b falls back to echo');
  });

  it('shows the same config_dump sections and resources as a SotW proxy of the same workload kind', async () => {
    sotw = await startProxy(dir, 'sotw', xdsPort, 'GRPC');
    await until('the SotW proxy to sync', () => synced('sotw'), 30_000);
    assert.match(proxyStatus('sotw')?.types.CDS.nonce ?? '', /^\d+$/);
    const [d, s] = await Promise.all([configDump(delta.adminPort), configDump(sotw.adminPort)]);
    assert.deepEqual(
      d.map((c) => c['@type']),
      s.map((c) => c['@type']),
    );
    for (const section of [
      'ClustersConfigDump',
      'ListenersConfigDump',
      'RoutesConfigDump',
      'EndpointsConfigDump',
    ]) {
      const names = (configs: Json[]) =>
        [...dynamicEntries(configs, section).keys()].filter((k) => !k.includes('inbound')).sort();
      assert.ok(names(d).length > 0, `${section} has dynamic entries`);
      assert.deepEqual(names(d), names(s), section);
    }
    await stopProxy(sotw);
    sotw = undefined;
  });

  it('reconnects after the control plane restarts, and the new one sends nothing the proxy already holds', async () => {
    const before = dynamicEntries(await configDump(delta.adminPort), 'ClustersConfigDump');
    const echo = [...before.entries()].find(([k]) => k.endsWith('|echo.default.svc.cluster.local'));
    assert.ok(echo, [...before.keys()].join(', '));
    assert.match(String(echo[1].version_info), /^[0-9a-f]{16}$/, 'each resource shows its own delta version');
    assert.ok(echo[1].last_updated);
    await cp.close();
    // The proxy keeps serving while the control plane is away.
    assert.equal((await get(delta.outboundPort, '/')).body, 'a');
    cpLog.length = 0;
    cp = await startControlPlane(xdsPort);
    await until('the delta proxy to resync with the new control plane', () => synced('client'), 30_000);
    const after = dynamicEntries(await configDump(delta.adminPort), 'ClustersConfigDump');
    // initial_resource_versions told the new control plane what the proxy holds: unchanged clusters were not resent.
    assert.deepEqual(after.get(echo[0]), echo[1]);
    assert.match(delta.output(), /xDS disconnected/);
    // And the new stream carries changes.
    writeFileSync(join(configDir, 'echo-b.yaml'), service('echo-b', b.port));
    writeFileSync(join(configDir, 'vs.yaml'), routeToB().replace('prefix: /b', 'prefix: /d'));
    await until(
      'the /d route from the new control plane',
      async () => (await get(delta.outboundPort, '/d/1')).body === 'b',
    );
  });
});

const TRAFFIC = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews]
  http:
  - match: [{ headers: { end-user: { exact: jason } } }]
    route: [{ destination: { host: reviews, subset: v2 } }]
  - route:
    - { destination: { host: reviews, subset: v1 }, weight: 80 }
    - { destination: { host: reviews, subset: v3 }, weight: 20 }
    retries: { attempts: 3, perTryTimeout: 1s }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3, interval: 5s, baseEjectionTime: 30s } }
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
  - { name: v3, labels: { version: v3 } }
`;

it('delta and SotW clients of the same sidecar end with the same domain config, without a NACK', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-delta-sotw-'));
  writeFileSync(join(dir, 'services.yaml'), SERVICES);
  writeFileSync(join(dir, 'traffic.yaml'), TRAFFIC);
  const cp = await ControlPlane.start({ configDir: dir, xdsPort: 0, httpPort: 0, watch: false });
  const clients: AdsClient[] = [];
  try {
    const run = async (apiType: 'GRPC' | 'DELTA_GRPC') => {
      const events: AdsEvent[] = [];
      let latest: ProxyResources | undefined;
      let complete: () => void = () => {};
      const done = new Promise<void>((resolve) => {
        complete = resolve;
      });
      const client: AdsClient = new AdsClient({
        target: `127.0.0.1:${cp.xdsPort}`,
        apiType,
        node: nodeIdentityFor({
          ip: '127.0.0.1',
          workload: 'productpage-v1',
          namespace: 'default',
          serviceAccount: 'bookinfo-productpage',
          labels: { app: 'productpage', version: 'v1' },
        }),
        onEvent: (e) => events.push(e),
        onUpdate: (r) => {
          latest = r;
          const routeNames = client.status().types.route.resourceNames ?? [];
          if (r.listeners.size > 0 && routeNames.length > 0 && routeNames.every((n) => r.routes.has(n)))
            complete();
        },
      });
      clients.push(client);
      client.start();
      await Promise.race([
        done,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`${apiType}: no complete set in 10 s`)), 10_000),
        ),
      ]);
      // Let responses in flight settle.
      await new Promise((r) => setTimeout(r, 300));
      return { events, resources: latest, status: client.status() };
    };
    const delta = await run('DELTA_GRPC');
    const sotw = await run('GRPC');
    for (const r of [delta, sotw])
      assert.deepEqual(
        r.events.filter((e) => e.kind === 'nack'),
        [],
      );
    // Envoy's order on the delta stream: CDS, EDS, LDS, RDS.
    const first = (t: string) => delta.events.findIndex((e) => e.kind === 'request' && e.typeUrl.endsWith(t));
    const order = ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration'].map(first);
    assert.ok(order.every((i) => i >= 0));
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      order,
    );
    assert.ok(delta.resources && sotw.resources);
    assert.ok(delta.resources.clusters.size > 3);
    for (const kind of ['clusters', 'endpoints', 'listeners', 'routes', 'secrets'] as const)
      assert.deepEqual(delta.resources[kind], sotw.resources[kind], kind);
    assert.deepEqual(
      delta.status.types.cluster.resources.map((r) => r.name).sort(),
      sotw.status.types.cluster.resources.map((r) => r.name).sort(),
    );
  } finally {
    for (const c of clients) c.stop();
    await cp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
