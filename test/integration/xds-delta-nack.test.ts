// Integration: a real `trellis proxy` (bootstrap ads_config.api_type DELTA_GRPC) fed by a scripted
// DeltaAggregatedResources server on loopback NACKs a RouteConfiguration with a field it does not support,
// naming the field path in error_detail, keeps serving requests on the last good routes (checked while the
// bad update arrives and after it), shows the rejected update as error_state in config_dump, and then ACKs
// and applies a good update.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type DescMessage, fromJson, type JsonObject } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../src/generated/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../src/generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/generated/envoy/config/route/v3/route_pb.js';
import type { DeltaDiscoveryRequest } from '../../src/generated/envoy/service/discovery/v3/discovery_pb.js';
import { TestDeltaAdsServer } from '../../src/proxy/xds-client/delta-test-server.js';
import { envoyRegistry, TypeUrl } from '../../src/proxy/xds-client/registry.js';
import { proxyBootstrap } from '../../src/runtime/bootstrap.js';
import { freePort } from '../../src/runtime/ports.js';
import { trellisArgv } from '../helpers/trellis-bin.js';

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
/** gRPC INVALID_ARGUMENT: the status a NACK's error_detail carries. */
const INVALID_ARGUMENT = 3;

const parse = <Desc extends DescMessage>(schema: Desc, json: JsonObject) =>
  fromJson(schema, json, { registry: envoyRegistry });

const staticCluster = (name: string, port: number) =>
  parse(ClusterSchema, {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } },
          ],
        },
      ],
    },
  });

/** Listener `l` on a loopback port whose connection manager takes route configuration `r` over ADS. */
const listener = (port: number) =>
  parse(ListenerSchema, {
    name: 'l',
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: 'ingress',
              rds: { route_config_name: 'r', config_source: { ads: {} } },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
            },
          },
        ],
      },
    ],
  });

/** Route configuration `r`: /b goes to cluster `bCluster`, everything else to `a`; `extra` adds to the / route. */
const routes = (bCluster: string, extra: JsonObject = {}) =>
  parse(RouteConfigurationSchema, {
    name: 'r',
    virtual_hosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { match: { prefix: '/b' }, route: { cluster: bCluster } },
          { match: { prefix: '/' }, route: { cluster: 'a' }, ...extra },
        ],
      },
    ],
  });

/** A plain HTTP server on loopback answering every request with its name. */
async function echoServer(name: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

/** GET `path` from the proxy's listener; resolves with the body, or `status <n>` for a non-200 answer. */
function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? body : `status ${res.statusCode}`));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Json = Record<string, unknown>;

/** The dynamic_route_configs entry of route configuration `r` in the proxy's config_dump. */
async function routeDump(adminPort: number): Promise<Json | undefined> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/config_dump`);
  const { configs } = (await res.json()) as { configs: Json[] };
  const section = configs.find((c) => String(c['@type']).endsWith('RoutesConfigDump')) ?? {};
  const entries = (section.dynamic_route_configs ?? []) as Json[];
  return entries.find((e) => (e.route_config as Json | undefined)?.name === 'r');
}

let dir: string;
let xds: TestDeltaAdsServer;
let a: Awaited<ReturnType<typeof echoServer>>;
let b: Awaited<ReturnType<typeof echoServer>>;
let proxy: ChildProcess | undefined;
let output = '';
let adminPort: number;
let listenerPort: number;

before(async () => {
  a = await echoServer('a');
  b = await echoServer('b');
  xds = new TestDeltaAdsServer();
  await xds.start();
  dir = mkdtempSync(join(tmpdir(), 'trellis-delta-nack-'));
  adminPort = await freePort();
  listenerPort = await freePort();
  const bootstrap = proxyBootstrap({
    identity: {
      type: 'sidecar',
      name: 'client',
      namespace: 'default',
      labels: { app: 'client' },
      serviceAccount: 'client',
      domain: 'cluster.local',
    },
    adminPort,
    xds: { host: '127.0.0.1', port: xds.port },
    metadata: {},
  });
  (bootstrap.dynamic_resources as { ads_config: { api_type: string } }).ads_config.api_type = 'DELTA_GRPC';
  const file = join(dir, 'client.json');
  writeFileSync(file, JSON.stringify(bootstrap));
  const [cmd, ...pre] = trellisArgv();
  proxy = spawn(cmd, [...pre, 'proxy', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  proxy.stdout?.on('data', (d) => {
    output += d;
  });
  proxy.stderr?.on('data', (d) => {
    output += d;
  });
});

after(async () => {
  const child = proxy;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  xds?.stop();
  a?.server.close();
  b?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The first delta request for `typeUrl`; the proxy takes a while to start, so allow for it. */
const firstRequest = (typeUrl: string): Promise<DeltaDiscoveryRequest> =>
  xds
    .find(`a request for ${typeUrl}`, (r) => r.typeUrl === typeUrl, 30_000)
    .catch((err: unknown) => assert.fail(`${String(err)}\nproxy output:\n${output}`));

test('a RouteConfiguration with an unsupported field is NACKed with its path; the last good routes serve on', async () => {
  // Envoy's delta order: clusters first (a wildcard subscription, with the node), then listeners, then routes.
  const cds = await firstRequest(TypeUrl.cluster);
  assert.deepEqual(cds.resourceNamesSubscribe, [], 'wildcard CDS');
  assert.match(cds.node?.id ?? '', /^sidecar~127\.0\.0\.1~client\.default~/);
  xds.respond(TypeUrl.cluster, 'c1', ClusterSchema, [
    ['a', 'ca1', staticCluster('a', a.port)],
    ['b', 'cb1', staticCluster('b', b.port)],
  ]);
  assert.equal((await xds.replyTo('c1')).errorDetail, undefined, 'clusters ACKed');
  await firstRequest(TypeUrl.listener);
  xds.respond(TypeUrl.listener, 'l1', ListenerSchema, [['l', 'l1', listener(listenerPort)]]);
  assert.equal((await xds.replyTo('l1')).errorDetail, undefined, 'listener ACKed');
  const rds = await firstRequest(TypeUrl.route);
  assert.deepEqual(rds.resourceNamesSubscribe, ['r']);
  xds.respond(TypeUrl.route, 'r1', RouteConfigurationSchema, [['r', 'r1', routes('b')]]);
  assert.equal((await xds.replyTo('r1')).errorDetail, undefined, 'routes ACKed');
  await until('the first routes to serve', async () => (await get(listenerPort, '/b/1')) === 'b');
  assert.equal(await get(listenerPort, '/'), 'a');

  // Live traffic across the bad update: every answer must come from the last good routes.
  const answers: string[] = [];
  let stopTraffic = false;
  const traffic = (async () => {
    while (!stopTraffic) {
      answers.push(`/b ${await get(listenerPort, '/b/live').catch((e: unknown) => String(e))}`);
      answers.push(`/ ${await get(listenerPort, '/live').catch((e: unknown) => String(e))}`);
    }
  })();
  try {
    await until('some traffic before the bad update', async () => answers.length >= 4);
    // The bad update would also send /b to a; tracing on a route is a field the proxy does not support.
    xds.respond(TypeUrl.route, 'r2', RouteConfigurationSchema, [
      ['r', 'r2', routes('a', { tracing: { client_sampling: { numerator: 50 } } })],
    ]);
    const nack = await xds.replyTo('r2');
    assert.equal(nack.typeUrl, TypeUrl.route);
    assert.equal(nack.errorDetail?.code, INVALID_ARGUMENT);
    assert.equal(
      nack.errorDetail?.message,
      'r: virtual_hosts[0].routes[1].tracing: not supported by Trellis',
    );
    const seen = answers.length;
    await until('traffic after the NACK', async () => answers.length >= seen + 10);
  } finally {
    stopTraffic = true;
    await traffic;
  }
  const wrong = answers.filter((x) => x !== '/b b' && x !== '/ a');
  assert.deepEqual(
    wrong,
    [],
    `every live request served by the last good routes (${answers.length} requests)`,
  );
  assert.equal(await get(listenerPort, '/b/after'), 'b');

  // config_dump: the good configuration stays, with the rejected update beside it as error_state.
  const dumped = await routeDump(adminPort);
  assert.ok(dumped, 'route configuration r in config_dump');
  assert.equal(dumped.version_info, 'r1');
  const routeB = ((dumped.route_config as Json).virtual_hosts as Json[])[0].routes as Json[];
  assert.equal((routeB[0].route as Json).cluster, 'b', 'the dumped config is the last good one');
  const errorState = dumped.error_state as Json | undefined;
  assert.ok(errorState, `error_state in ${JSON.stringify(dumped)}`);
  assert.match(
    String(errorState.details),
    /virtual_hosts\[0\]\.routes\[1\]\.tracing: not supported by Trellis/,
  );
  assert.ok(errorState.failed_configuration, 'the rejected configuration is shown');
  assert.ok(errorState.last_update_attempt);

  // A following good update is ACKed and applied; the error state goes with it.
  xds.respond(TypeUrl.route, 'r3', RouteConfigurationSchema, [['r', 'r3', routes('a')]]);
  assert.equal((await xds.replyTo('r3')).errorDetail, undefined, 'the good update is ACKed');
  await until('/b to follow the new routes', async () => (await get(listenerPort, '/b/new')) === 'a');
  const afterGood = await routeDump(adminPort);
  assert.equal(afterGood?.version_info, 'r3');
  assert.equal(afterGood?.error_state, undefined, 'error_state cleared by an accepted update');
  assert.equal(proxy?.exitCode, null, 'the proxy is still running');
});
