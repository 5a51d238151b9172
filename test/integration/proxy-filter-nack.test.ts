// Integration: a real proxy fed over ADS keeps serving its last good fault-filter config when an update
// carries a bad fault config (listener level) or a bad per-route override — the update is NACKed with the
// field path, and a later good update still takes effect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type DescMessage, fromJson, type JsonObject } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../src/generated/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../src/generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/generated/envoy/config/route/v3/route_pb.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import { AdsClient } from '../../src/proxy/xds-client/ads-client.js';
import { TestAdsServer } from '../../src/proxy/xds-client/ads-test-server.js';
import { nodeIdentityFor } from '../../src/proxy/xds-client/node.js';
import { envoyRegistry, TypeUrl } from '../../src/proxy/xds-client/registry.js';
import { closeServer, echoUpstream, request } from './proxy-support.js';

const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

const parse = <Desc extends DescMessage>(schema: Desc, json: JsonObject) =>
  fromJson(schema, json, { registry: envoyRegistry });

/** Listener `l` on a loopback port with a fault filter (typed_config `fault`) before the router. */
function listener(fault: JsonObject) {
  return parse(ListenerSchema, {
    name: 'l',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: 'ingress',
              rds: { route_config_name: 'r', config_source: { ads: {} } },
              http_filters: [
                { name: 'fault', typed_config: { '@type': FAULT, ...fault } },
                { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } },
              ],
            },
          },
        ],
      },
    ],
  });
}

/** Routes: /o carries a fault override (`override`), everything else forwards to cluster `up`. */
function routes(override: JsonObject) {
  return parse(RouteConfigurationSchema, {
    name: 'r',
    virtual_hosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          {
            match: { prefix: '/o' },
            route: { cluster: 'up' },
            typed_per_filter_config: { fault: { '@type': FAULT, ...override } },
          },
          { match: { prefix: '/' }, route: { cluster: 'up' } },
        ],
      },
    ],
  });
}

const abortWith = (status: number) => ({ abort: { http_status: status, percentage: { numerator: 100 } } });

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let upstream: Awaited<ReturnType<typeof echoUpstream>>;
let server: TestAdsServer;
let proxy: ProxyServer;
let client: AdsClient;

before(async () => {
  upstream = await echoUpstream('up');
  server = new TestAdsServer();
  await server.start();
  proxy = new ProxyServer({ stats: new StatsStore() });
  client = new AdsClient({
    target: server.target,
    node: nodeIdentityFor({
      ip: '127.0.0.1',
      workload: 'app-v1',
      namespace: 'default',
      serviceAccount: 'app',
      labels: { app: 'app' },
    }),
    onUpdate: (r) => proxy.apply(r),
  });
  client.start();
});

after(async () => {
  client.stop();
  server.stop();
  await proxy.close();
  await closeServer(upstream.server);
});

/** The ACK or NACK the client sent for the response with `nonce`. */
function replyTo(nonce: string) {
  return until(`the reply to ${nonce}`, () =>
    server.requests.find((r) => r.request.responseNonce === nonce),
  ).then((r) => r.request);
}

const statusOf = async (path: string) => (await request(proxy.listenerPort('l') ?? 0, { path })).status;

test('NACKed fault configs leave the previous config serving traffic', async () => {
  await until('CDS request', () => server.requests.find((r) => r.request.typeUrl === TypeUrl.cluster));
  server.respond(TypeUrl.cluster, 'c1', 'n1', ClusterSchema, [
    parse(ClusterSchema, {
      name: 'up',
      type: 'STATIC',
      load_assignment: {
        cluster_name: 'up',
        endpoints: [
          {
            lb_endpoints: [
              {
                endpoint: {
                  address: { socket_address: { address: '127.0.0.1', port_value: upstream.port } },
                },
              },
            ],
          },
        ],
      },
    }),
  ]);
  await until('LDS request', () => server.requests.find((r) => r.request.typeUrl === TypeUrl.listener));
  server.respond(TypeUrl.listener, 'l1', 'n2', ListenerSchema, [listener(abortWith(418))]);
  await until('RDS request', () => server.requests.find((r) => r.request.typeUrl === TypeUrl.route));
  server.respond(TypeUrl.route, 'r1', 'n3', RouteConfigurationSchema, [routes(abortWith(429))]);
  assert.equal((await replyTo('n3')).errorDetail, undefined);
  await until('the listener to serve', () => (proxy.listenerPort('l') === undefined ? undefined : true));
  await proxy.ready();
  assert.equal(await statusOf('/'), 418, 'filter-level abort');
  assert.equal(await statusOf('/o'), 429, 'per-route override');

  // A fault abort with no status: the listener update is NACKed and the old connection manager serves on.
  server.respond(TypeUrl.listener, 'l2', 'n4', ListenerSchema, [
    listener({ abort: { percentage: { numerator: 100 } } }),
  ]);
  const ldsNack = await replyTo('n4');
  assert.equal(ldsNack.versionInfo, 'l1', 'a NACK carries the last accepted version');
  assert.equal(
    ldsNack.errorDetail?.message,
    'l: filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.abort: ' +
      'one of http_status, grpc_status or header_abort is required',
  );
  assert.equal(await statusOf('/'), 418);
  assert.equal(await statusOf('/o'), 429);

  // A bad per-route override is NACKed too (it used to be accepted and then ignored per request).
  server.respond(TypeUrl.route, 'r2', 'n5', RouteConfigurationSchema, [routes(abortWith(700))]);
  const rdsNack = await replyTo('n5');
  assert.equal(rdsNack.versionInfo, 'r1');
  assert.equal(
    rdsNack.errorDetail?.message,
    'r: virtual_hosts[0].routes[0].typed_per_filter_config.fault.abort.http_status: must be in [200, 600)',
  );
  assert.equal(await statusOf('/o'), 429, 'the previous override still applies');
  assert.equal(await statusOf('/'), 418);

  // The stream is not wedged: a good override afterwards is accepted and serves.
  server.respond(TypeUrl.route, 'r3', 'n6', RouteConfigurationSchema, [routes(abortWith(431))]);
  assert.equal((await replyTo('n6')).errorDetail, undefined);
  await until('the new override to serve', async () => ((await statusOf('/o')) === 431 ? true : undefined));
  assert.equal(await statusOf('/'), 418);
});
