// The ADS server with a proxyless gRPC client (node metadata GENERATOR=grpc) on a real grpc-js stream:
// named subscriptions only (no wildcard), the gRPC generator's resources, status marked `grpc`, a NACK that
// changes the subscription still answered, and pushes on snapshot changes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { BOOKINFO } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import { VirtualClock } from '../../common/clock.js';
import { NodeSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { StatusSchema } from '../../generated/google/rpc/status_pb.js';
import { proxylessConfigDump } from '../proxyless/dump.js';
import { TranslateContext } from '../translate/context.js';
import { TYPE_URLS } from '../translate/generators.js';
import { adsServiceDefinition } from './ads-service.js';
import { AdsServer } from './server.js';

const NODE = create(NodeSchema, {
  id: 'sidecar~10.0.0.50~grpc-app.default~default.svc.cluster.local',
  metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' },
});
const KEY = 'outbound|9080||reviews.default.svc.cluster.local';

const timers = new VirtualClock();
let server: AdsServer;
let client: grpc.Client;
let stream: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
const inbox: DiscoveryResponse[] = [];
const waiters: ((r: DiscoveryResponse) => void)[] = [];

function next(timeoutMs = 2000): Promise<DiscoveryResponse> {
  const queued = inbox.shift();
  if (queued) return Promise.resolve(queued);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no response')), timeoutMs);
    waiters.push((r) => {
      clearTimeout(t);
      resolve(r);
    });
  });
}

function send(init: MessageInitShape<typeof DiscoveryRequestSchema>): void {
  stream.write(create(DiscoveryRequestSchema, { node: NODE, ...init }));
}

const listenerNames = (r: DiscoveryResponse) => r.resources.map((a) => anyUnpack(a, ListenerSchema)?.name);

before(async () => {
  server = new AdsServer(snapshotFromYaml(BOOKINFO), { clock: timers });
  const port = await server.listen('127.0.0.1', 0);
  const Client = grpc.makeGenericClientConstructor(adsServiceDefinition, 'ads');
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  stream = (client as unknown as { StreamAggregatedResources(): typeof stream }).StreamAggregatedResources();
  stream.on('data', (r: DiscoveryResponse) => {
    const w = waiters.shift();
    if (w) w(r);
    else inbox.push(r);
  });
  stream.on('error', () => {});
});

after(async () => {
  stream.end();
  client.close();
  await server.close();
});

test('LDS answers the requested host:port names only, and the status marks the client as gRPC', async () => {
  send({ typeUrl: TYPE_URLS.listener, resourceNames: ['reviews.default:9080'] });
  const lds = await next();
  assert.deepEqual(listenerNames(lds), ['reviews.default:9080']);
  const [st] = server.status();
  assert.equal(st.generator, 'grpc');
  assert.deepEqual(st.types.LDS.resourceNames, ['reviews.default:9080']);
  // An ACK that adds a name is answered with both listeners (an unknown one is simply absent).
  send({
    typeUrl: TYPE_URLS.listener,
    versionInfo: lds.versionInfo,
    responseNonce: lds.nonce,
    resourceNames: ['reviews.default:9080', 'reviews.default.svc.cluster.local:9080', 'nosuch:1'],
  });
  const more = await next();
  assert.deepEqual(listenerNames(more).sort(), [
    'reviews.default.svc.cluster.local:9080',
    'reviews.default:9080',
  ]);
  assert.equal(server.status()[0].types.LDS.state, 'STALE');
  send({
    typeUrl: TYPE_URLS.listener,
    versionInfo: more.versionInfo,
    responseNonce: more.nonce,
    resourceNames: ['reviews.default:9080', 'reviews.default.svc.cluster.local:9080', 'nosuch:1'],
  });
});

test('an empty subscription is no resources, not a wildcard', async () => {
  send({ typeUrl: TYPE_URLS.cluster, resourceNames: [] });
  const cds = await next();
  assert.equal(cds.resources.length, 0);
  send({ typeUrl: TYPE_URLS.cluster, versionInfo: cds.versionInfo, responseNonce: cds.nonce });
});

test('a NACK that also changes the subscription is recorded and the new names are answered', async () => {
  send({ typeUrl: TYPE_URLS.route, resourceNames: ['outbound|9080||nosuch.default.svc.cluster.local'] });
  const first = await next();
  assert.equal(first.resources.length, 0);
  send({
    typeUrl: TYPE_URLS.route,
    versionInfo: '',
    responseNonce: first.nonce,
    resourceNames: [KEY],
    errorDetail: create(StatusSchema, { code: 3, message: 'test NACK' }),
  });
  const rds = await next();
  assert.deepEqual(
    rds.resources.map((a) => anyUnpack(a, RouteConfigurationSchema)?.name),
    [KEY],
  );
  assert.equal(server.status()[0].types.RDS.nack?.message, 'test NACK');
  send({
    typeUrl: TYPE_URLS.route,
    versionInfo: rds.versionInfo,
    responseNonce: rds.nonce,
    resourceNames: [KEY],
  });
});

test('a VirtualService change is pushed to the gRPC client’s route config after the debounce', async () => {
  await new Promise((r) => setTimeout(r, 50));
  const changed = BOOKINFO.replace('weight: 90', 'weight: 30').replace('weight: 10', 'weight: 70');
  server.update(snapshotFromYaml(changed), { full: false, hosts: ['reviews.default.svc.cluster.local'] });
  timers.advance(1000);
  const push = await next();
  assert.equal(push.typeUrl, TYPE_URLS.route, 'only the route config changed');
  const rc = anyUnpack(push.resources[0], RouteConfigurationSchema);
  const action = rc?.virtualHosts[0].routes[0].action;
  const weights =
    action?.case === 'route' && action.value.clusterSpecifier.case === 'weightedClusters'
      ? action.value.clusterSpecifier.value.clusters.map((c) => c.weight)
      : [];
  assert.deepEqual(weights, [30, 70]);
});

test('the config dump of a gRPC client is what it subscribed to, generated by the gRPC generator', () => {
  const subs = server.subscriptions(NODE.id);
  assert.ok(subs);
  assert.deepEqual(subs.get(TYPE_URLS.route), [KEY]);
  const proxy = server.connectedProxies().find((p) => p.id === NODE.id);
  assert.ok(proxy);
  const dump = proxylessConfigDump(new TranslateContext(server.current, proxy), subs);
  assert.deepEqual(dump.listeners.map((l) => (l as { name: string }).name).sort(), [
    'reviews.default.svc.cluster.local:9080',
    'reviews.default:9080',
  ]);
  assert.deepEqual(
    dump.routes.map((r) => (r as { name: string }).name),
    [KEY],
  );
  assert.deepEqual(dump.clusters, []);
  assert.equal(server.subscriptions('nobody'), undefined);
});
