// ADS server through a real grpc-js client stream on 127.0.0.1: subscribe, ACK, NACK recorded, debounce on
// virtual time, and no push when the generated resources did not change.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { BOOKINFO } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import { VirtualClock } from '../../common/clock.js';
import { ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { NodeSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { StatusSchema } from '../../generated/google/rpc/status_pb.js';
import { TYPE_URLS } from '../translate/generators.js';
import { adsServiceDefinition } from './ads-service.js';
import { AdsServer } from './server.js';

const NODE = create(NodeSchema, {
  id: 'sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local',
  metadata: { LABELS: { app: 'productpage' }, TRELLIS_OUTBOUND_PORT: 15001 },
});

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function send(init: MessageInitShape<typeof DiscoveryRequestSchema>): void {
  stream.write(create(DiscoveryRequestSchema, { node: NODE, ...init }));
}

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

test('subscribing to clusters returns outbound clusters; an ACK makes the proxy SYNCED', async () => {
  send({ typeUrl: TYPE_URLS.cluster });
  const cds = await next();
  assert.equal(cds.typeUrl, TYPE_URLS.cluster);
  const names = cds.resources.map((a) => anyUnpack(a, ClusterSchema)?.name);
  assert.ok(names.includes('outbound|9080|v1|reviews.default.svc.cluster.local'));
  assert.equal(server.status()[0].types.CDS.state, 'STALE');
  send({ typeUrl: TYPE_URLS.cluster, versionInfo: cds.versionInfo, responseNonce: cds.nonce });
  await sleep(50);
  const st = server.status()[0];
  assert.equal(st.proxyId, NODE.id);
  assert.equal(st.types.CDS.state, 'SYNCED');
  assert.equal(st.types.CDS.ackedVersion, cds.versionInfo);
});

test('endpoints are served for the requested cluster names', async () => {
  send({
    typeUrl: TYPE_URLS.endpoint,
    resourceNames: ['outbound|9080|v2|reviews.default.svc.cluster.local'],
  });
  const eds = await next();
  const cla = anyUnpack(eds.resources[0], ClusterLoadAssignmentSchema);
  assert.equal(cla?.clusterName, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  const ep = cla?.endpoints[0].lbEndpoints[0].hostIdentifier;
  const addr = ep?.case === 'endpoint' ? ep.value.address?.address : undefined;
  assert.equal(addr?.case === 'socketAddress' ? addr.value.address : '', '10.0.0.2');
  send({
    typeUrl: TYPE_URLS.endpoint,
    versionInfo: eds.versionInfo,
    responseNonce: eds.nonce,
    resourceNames: ['outbound|9080|v2|reviews.default.svc.cluster.local'],
  });
});

test('a NACK is kept with its message and leaves the type STALE', async () => {
  send({ typeUrl: TYPE_URLS.route, resourceNames: ['9080'] });
  const rds = await next();
  send({
    typeUrl: TYPE_URLS.route,
    versionInfo: '',
    responseNonce: rds.nonce,
    resourceNames: ['9080'],
    errorDetail: create(StatusSchema, { code: 3, message: 'virtual_hosts[0]: not supported' }),
  });
  await sleep(50);
  const s = server.status()[0].types.RDS;
  assert.equal(s.state, 'STALE');
  assert.equal(s.nack?.message, 'virtual_hosts[0]: not supported');
  assert.equal(s.nack?.version, rds.versionInfo);
  // A later ACK of the same version clears the STALE state (the NACK stays visible as history).
  send({
    typeUrl: TYPE_URLS.route,
    versionInfo: rds.versionInfo,
    responseNonce: rds.nonce,
    resourceNames: ['9080'],
  });
  await sleep(50);
  assert.equal(server.status()[0].types.RDS.state, 'SYNCED');
});

test('changes are debounced (100 ms quiet) and only changed types are pushed', async () => {
  const changed = BOOKINFO.replace('weight: 90', 'weight: 50').replace('weight: 10', 'weight: 50');
  server.update(snapshotFromYaml(changed), { full: true, reason: 'vs' });
  timers.advance(60);
  server.update(snapshotFromYaml(changed), { full: true, reason: 'vs' });
  timers.advance(99); // 159 ms since the first change, 99 ms since the last: still quiet-waiting
  await sleep(80);
  assert.equal(inbox.length, 0);
  timers.advance(1);
  const rds = await next();
  assert.equal(
    rds.typeUrl,
    TYPE_URLS.route,
    'clusters and endpoints did not change, so only routes are sent',
  );
  const rc = anyUnpack(rds.resources[0], RouteConfigurationSchema);
  const action = rc?.virtualHosts.find((v) => v.name.startsWith('reviews'))?.routes[0].action;
  const weighted =
    action?.case === 'route' && action.value.clusterSpecifier.case === 'weightedClusters'
      ? action.value.clusterSpecifier.value
      : undefined;
  assert.deepEqual(
    weighted?.clusters.map((c) => c.weight),
    [50, 50],
  );
  assert.equal(
    server.status()[0].types.RDS.lastPushDelayMs,
    160,
    'measured from the first change of the batch',
  );
  await sleep(80);
  assert.equal(inbox.length, 0);
  send({
    typeUrl: TYPE_URLS.route,
    versionInfo: rds.versionInfo,
    responseNonce: rds.nonce,
    resourceNames: ['9080'],
  });
});

test('a burst of changes is pushed after at most 1 s', async () => {
  const base = BOOKINFO.replace('weight: 90', 'weight: 70').replace('weight: 10', 'weight: 30');
  for (let i = 0; i < 12; i++) {
    server.update(snapshotFromYaml(base), { full: true });
    timers.advance(90);
  }
  // 12 changes 90 ms apart: never quiet for 100 ms, so the 1 s cap releases the push.
  const rds = await next();
  assert.equal(rds.typeUrl, TYPE_URLS.route);
  send({
    typeUrl: TYPE_URLS.route,
    versionInfo: rds.versionInfo,
    responseNonce: rds.nonce,
    resourceNames: ['9080'],
  });
});

test('no push when the generated resources did not change', async () => {
  timers.advance(2000);
  await sleep(30);
  inbox.length = 0;
  const skipped = server.stats.skipped;
  server.update(server.current, { full: true });
  timers.advance(200);
  await sleep(100);
  assert.equal(inbox.length, 0);
  assert.ok(server.stats.skipped > skipped);
});

test('registry-only changes skip proxies that cannot see the changed host', async () => {
  const skipped = server.stats.skipped;
  server.update(server.current, { full: false, hosts: ['unrelated.other.svc.cluster.local'] });
  timers.advance(200);
  await sleep(50);
  assert.equal(server.stats.skipped, skipped, 'the proxy was not even regenerated');
});

test('scoped changes regenerate only proxies in scope (namespace, routers, wildcard hosts)', async () => {
  const skipped = server.stats.skipped;
  server.update(server.current, { full: false, namespaces: ['other'], routers: true });
  timers.advance(200);
  await sleep(30);
  assert.equal(
    server.stats.skipped,
    skipped,
    'a sidecar in default is outside namespace other and is not a router',
  );
  server.update(server.current, { full: false, hosts: ['*.default.svc.cluster.local'] });
  timers.advance(200);
  await sleep(30);
  assert.ok(
    server.stats.skipped > skipped,
    'the wildcard covers reviews, which the proxy sees: regenerated (and skipped as unchanged)',
  );
});
