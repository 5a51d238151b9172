// ADS client against a real in-test gRPC ADS server on 127.0.0.1: subscription order CDS → EDS → LDS → RDS,
// ACKs with version and nonce, NACK with error_detail keeping the last good config, reconnect on back-off.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { VirtualClock } from '../../common/clock.js';
import {
  type Cluster,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  ClusterSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import {
  type ClusterLoadAssignment,
  ClusterLoadAssignmentSchema,
} from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { type Listener, ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import {
  type RouteConfiguration,
  RouteConfigurationSchema,
} from '../../generated/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import { HttpConnectionManagerSchema } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { ProxyResources } from '../config/bootstrap.js';
import { AdsClient, type AdsEvent } from './ads-client.js';
import { TestAdsServer } from './ads-test-server.js';
import { adsConfigDumpSections } from './config-dump.js';
import { nodeIdentityFor } from './node.js';
import { TypeUrl } from './registry.js';

const ads = { configSourceSpecifier: { case: 'ads' as const, value: {} } };

function edsCluster(name: string): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads },
  });
}

function staticCluster(name: string, port: number): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    loadAssignment: assignment(name, port),
  });
}

function assignment(name: string, port: number): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName: name,
    endpoints: [
      {
        lbEndpoints: [
          {
            hostIdentifier: {
              case: 'endpoint',
              value: {
                address: {
                  address: {
                    case: 'socketAddress',
                    value: { address: '127.0.0.1', portSpecifier: { case: 'portValue', value: port } },
                  },
                },
              },
            },
          },
        ],
      },
    ],
  });
}

function rdsListener(name: string, port: number, routeName: string): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: name,
    routeSpecifier: { case: 'rds', value: { routeConfigName: routeName, configSource: ads } },
    httpFilters: [
      {
        name: 'envoy.filters.http.router',
        configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema)) },
      },
    ],
  });
  return create(ListenerSchema, {
    name,
    address: {
      address: {
        case: 'socketAddress',
        value: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: port } },
      },
    },
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            configType: { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, hcm) },
          },
        ],
      },
    ],
  });
}

function routeConfig(name: string, cluster: string): RouteConfiguration {
  return create(RouteConfigurationSchema, {
    name,
    virtualHosts: [
      {
        name: 'reviews',
        domains: ['*'],
        routes: [
          {
            match: { pathSpecifier: { case: 'prefix', value: '/' } },
            action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster } } },
          },
        ],
      },
    ],
  });
}

let server: TestAdsServer;
let client: AdsClient;
const clock = new VirtualClock();
const updates: ProxyResources[] = [];
const events: AdsEvent[] = [];

before(async () => {
  server = new TestAdsServer();
  await server.start();
  client = new AdsClient({
    target: server.target,
    node: nodeIdentityFor({
      ip: '10.1.0.5',
      workload: 'productpage-v1',
      namespace: 'default',
      serviceAccount: 'bookinfo-productpage',
      labels: { app: 'productpage', version: 'v1' },
    }),
    onUpdate: (r) => updates.push(r),
    onEvent: (e) => events.push(e),
    clock,
    random: () => 0.5,
  });
  client.start();
});

after(() => {
  client.stop();
  server.stop();
});

const last = () => updates[updates.length - 1];

test('subscribes CDS first with the node, then EDS, LDS and RDS in order, ACKing each version and nonce', async () => {
  const cds = await server.next();
  assert.equal(cds.request.typeUrl, TypeUrl.cluster);
  assert.deepEqual(cds.request.resourceNames, [], 'wildcard');
  assert.equal(cds.request.versionInfo, '');
  assert.equal(cds.request.node?.id, 'sidecar~10.1.0.5~productpage-v1.default~default.svc.cluster.local');
  assert.equal(cds.request.node?.cluster, 'productpage.default');
  assert.deepEqual(cds.request.node?.metadata?.LABELS, { app: 'productpage', version: 'v1' });
  assert.equal(cds.request.node?.metadata?.NAMESPACE, 'default');
  assert.equal(cds.request.node?.metadata?.SERVICE_ACCOUNT, 'bookinfo-productpage');

  server.respond(TypeUrl.cluster, 'c1', 'n1', ClusterSchema, [
    edsCluster('reviews'),
    staticCluster('ratings', 9081),
  ]);
  const eds = await server.next();
  assert.equal(eds.request.typeUrl, TypeUrl.endpoint, 'EDS is requested before CDS is acknowledged');
  assert.deepEqual(eds.request.resourceNames, ['reviews']);
  assert.equal(eds.request.node, undefined, 'node only on the first request of a stream');
  const cdsAck = await server.next();
  assert.equal(cdsAck.request.typeUrl, TypeUrl.cluster);
  assert.equal(cdsAck.request.versionInfo, 'c1');
  assert.equal(cdsAck.request.responseNonce, 'n1');
  assert.equal(cdsAck.request.errorDetail, undefined);
  assert.deepEqual(
    [...last().clusters.keys()],
    ['ratings'],
    'the EDS cluster warms until its endpoints arrive',
  );
  assert.deepEqual(client.status().types.cluster.warming, ['reviews']);

  server.respond(TypeUrl.endpoint, 'e1', 'n2', ClusterLoadAssignmentSchema, [assignment('reviews', 9080)]);
  const edsAck = await server.next();
  assert.equal(edsAck.request.typeUrl, TypeUrl.endpoint);
  assert.equal(edsAck.request.versionInfo, 'e1');
  assert.equal(edsAck.request.responseNonce, 'n2');
  const lds = await server.next();
  assert.equal(lds.request.typeUrl, TypeUrl.listener, 'LDS starts once the clusters are warm');
  assert.deepEqual([...last().clusters.keys()].sort(), ['ratings', 'reviews']);
  assert.equal(last().endpoints.get('reviews')?.localities[0].endpoints[0].address.port, 9080);

  server.respond(TypeUrl.listener, 'l1', 'n3', ListenerSchema, [rdsListener('0.0.0.0_9080', 9080, '9080')]);
  const rds = await server.next();
  assert.equal(rds.request.typeUrl, TypeUrl.route);
  assert.deepEqual(rds.request.resourceNames, ['9080']);
  const ldsAck = await server.next();
  assert.equal(ldsAck.request.versionInfo, 'l1');
  assert.equal(ldsAck.request.responseNonce, 'n3');
  assert.equal(last().listeners.size, 0, 'the listener warms until its route configuration arrives');

  server.respond(TypeUrl.route, 'r1', 'n4', RouteConfigurationSchema, [routeConfig('9080', 'reviews')]);
  const rdsAck = await server.next();
  assert.equal(rdsAck.request.versionInfo, 'r1');
  assert.equal(rdsAck.request.responseNonce, 'n4');
  assert.deepEqual([...last().listeners.keys()], ['0.0.0.0_9080']);
  const rc = last().routes.get('9080');
  assert.equal(rc?.virtualHosts[0].routes[0].action.kind, 'forward');
});

test('NACK: an unsupported field is rejected with error_detail and the last good config stays', async () => {
  const before = updates.length;
  const bad = staticCluster('ratings', 9082);
  bad.lbPolicy = Cluster_LbPolicy.LOAD_BALANCING_POLICY_CONFIG;
  server.respond(TypeUrl.cluster, 'c2', 'n5', ClusterSchema, [edsCluster('reviews'), bad]);
  const nack = await server.next();
  assert.equal(nack.request.typeUrl, TypeUrl.cluster);
  assert.equal(nack.request.versionInfo, 'c1', 'a NACK carries the last accepted version');
  assert.equal(nack.request.responseNonce, 'n5');
  assert.equal(nack.request.errorDetail?.code, 3);
  assert.match(
    nack.request.errorDetail?.message ?? '',
    /^ratings: lb_policy: value LOAD_BALANCING_POLICY_CONFIG not supported by Trellis$/,
  );
  assert.equal(updates.length, before, 'no update published');
  assert.equal(
    client.resources().clusters.get('ratings')?.loadAssignment?.localities[0].endpoints[0].address.port,
    9081,
  );
  const status = client.status().types.cluster;
  assert.equal(status.versionInfo, 'c1');
  assert.equal(status.lastNack?.versionInfo, 'c2');
  assert.equal(status.lastNack?.errors[0].resource, 'ratings');
  assert.equal(status.lastNack?.errors[0].errors[0].path, 'lb_policy');
  assert.deepEqual(status.resources.map((r) => r.name).sort(), ['ratings', 'reviews']);

  // config_dump shows the rejected update on the resource it concerns, next to the active version.
  const clusters = adsConfigDumpSections(client.status()).find((x) => x.kind === 'clusters');
  assert.ok(clusters && clusters.kind === 'clusters');
  assert.equal(clusters.versionInfo, 'c1');
  const ratings = clusters.dynamic.find((d) => d.name === 'ratings');
  assert.equal(ratings?.versionInfo, 'c1');
  assert.equal(ratings?.state, 'active');
  assert.equal(
    ratings?.error?.details,
    'lb_policy: value LOAD_BALANCING_POLICY_CONFIG not supported by Trellis',
  );
  assert.equal(ratings?.error?.versionInfo, 'c2');
  assert.equal(ratings?.error?.failedConfiguration?.lb_policy, 'LOAD_BALANCING_POLICY_CONFIG');
  assert.equal(clusters.dynamic.find((d) => d.name === 'reviews')?.error, undefined);

  // A later good version is accepted again, and the NACK is no longer reported.
  server.respond(TypeUrl.cluster, 'c3', 'n6', ClusterSchema, [
    edsCluster('reviews'),
    staticCluster('ratings', 9083),
  ]);
  const ack = await server.next();
  assert.equal(ack.request.versionInfo, 'c3');
  assert.equal(ack.request.responseNonce, 'n6');
  assert.equal(last().clusters.get('ratings')?.loadAssignment?.localities[0].endpoints[0].address.port, 9083);
  assert.equal(client.status().types.cluster.lastNack, undefined);
});

test('reconnects with back-off after the stream drops and resubscribes with the versions it holds', async () => {
  const streamsBefore = server.streamCount;
  server.dropStream();
  const deadline = Date.now() + 3000;
  while (!events.some((e) => e.kind === 'disconnected') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  const disconnected = events.find((e) => e.kind === 'disconnected');
  assert.ok(disconnected && disconnected.kind === 'disconnected');
  assert.equal(disconnected.retryInMs, 375, 'first back-off: 500 ms ceiling, jitter 0.5 → 375 ms');
  assert.equal(server.streamCount, streamsBefore, 'no reconnect before the back-off elapses');
  clock.advance(375);

  const resub = [await server.next(), await server.next(), await server.next(), await server.next()];
  assert.ok(
    resub.every((r) => r.stream === streamsBefore),
    'all on the new stream',
  );
  assert.deepEqual(
    resub.map((r) => [
      r.request.typeUrl,
      r.request.versionInfo,
      r.request.responseNonce,
      r.request.resourceNames,
    ]),
    [
      [TypeUrl.cluster, 'c3', '', []],
      [TypeUrl.endpoint, 'e1', '', ['reviews']],
      [TypeUrl.listener, 'l1', '', []],
      [TypeUrl.route, 'r1', '', ['9080']],
    ],
  );
  assert.equal(
    resub[0].request.node?.id,
    'sidecar~10.1.0.5~productpage-v1.default~default.svc.cluster.local',
    'node again on the new stream',
  );
  assert.equal(resub[1].request.node, undefined);
  assert.deepEqual(
    [...client.resources().listeners.keys()],
    ['0.0.0.0_9080'],
    'config kept while disconnected',
  );

  // The new stream works: an update removing the listener is applied and acknowledged.
  server.respond(TypeUrl.listener, 'l2', 'n7', ListenerSchema, []);
  const rdsUnsub = await server.next();
  assert.equal(rdsUnsub.request.typeUrl, TypeUrl.route);
  assert.deepEqual(rdsUnsub.request.resourceNames, [], 'route names follow the listeners');
  const ack = await server.next();
  assert.equal(ack.request.versionInfo, 'l2');
  assert.equal(last().listeners.size, 0);
  assert.equal(last().routes.size, 0);
});
