// AdsClient with apiType DELTA_GRPC against a scripted DeltaAggregatedResources server on 127.0.0.1: the
// node on each stream's first request only, subscribe/ACK/NACK on the wire, and a reconnect after the
// shared back-off that re-sends every subscription with initial_resource_versions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { VirtualClock } from '../../common/clock.js';
import { Cluster_DiscoveryType, ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import type { ProxyResources } from '../config/bootstrap.js';
import { AdsClient, type AdsEvent } from './ads-client.js';
import { TestDeltaAdsServer } from './delta-test-server.js';
import { nodeIdentityFor } from './node.js';
import { TypeUrl } from './registry.js';

const ads = { configSourceSpecifier: { case: 'ads' as const, value: {} } };
const eds = (name: string) =>
  create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads },
  });
const cla = (name: string) => create(ClusterLoadAssignmentSchema, { clusterName: name });

let server: TestDeltaAdsServer;
let client: AdsClient;
const clock = new VirtualClock();
const updates: ProxyResources[] = [];
const events: AdsEvent[] = [];

before(async () => {
  server = new TestDeltaAdsServer();
  await server.start();
  client = new AdsClient({
    target: `127.0.0.1:${server.port}`,
    apiType: 'DELTA_GRPC',
    node: nodeIdentityFor({
      ip: '10.1.0.5',
      workload: 'productpage-v1',
      namespace: 'default',
      serviceAccount: 'bookinfo-productpage',
      labels: { app: 'productpage', version: 'v1' },
    }),
    lds: false,
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

test('delta on the wire: wildcard CDS with the node, EDS subscribed by name, ACK by nonce, NACK with error_detail', async () => {
  assert.equal(client.apiType, 'DELTA_GRPC');
  const cds = await server.next();
  assert.equal(cds.request.typeUrl, TypeUrl.cluster);
  assert.deepEqual(cds.request.resourceNamesSubscribe, [], 'legacy wildcard: empty subscribe list');
  assert.deepEqual(cds.request.initialResourceVersions, {});
  assert.equal(cds.request.node?.id, 'sidecar~10.1.0.5~productpage-v1.default~default.svc.cluster.local');

  server.respond(TypeUrl.cluster, 'n1', ClusterSchema, [
    ['reviews', 'v1', eds('reviews')],
    ['ratings', 'v1', eds('ratings')],
  ]);
  const sub = await server.next();
  assert.equal(sub.request.typeUrl, TypeUrl.endpoint);
  assert.deepEqual(sub.request.resourceNamesSubscribe, ['ratings', 'reviews']);
  assert.equal(sub.request.node, undefined, 'node only on the first request of a stream');
  const ack = await server.next();
  assert.deepEqual([ack.request.typeUrl, ack.request.responseNonce], [TypeUrl.cluster, 'n1']);
  assert.equal(ack.request.errorDetail, undefined);

  server.respond(TypeUrl.endpoint, 'n2', ClusterLoadAssignmentSchema, [
    ['reviews', 'e1', cla('reviews')],
    ['ratings', 'e1', cla('ratings')],
  ]);
  assert.equal((await server.next()).request.responseNonce, 'n2');
  assert.deepEqual([...updates[updates.length - 1].clusters.keys()].sort(), ['ratings', 'reviews']);

  // Removing ratings: the cluster goes and its endpoints are unsubscribed before the ACK.
  server.respond(TypeUrl.cluster, 'n3', ClusterSchema, [], ['ratings']);
  const unsub = await server.next();
  assert.deepEqual(
    [unsub.request.typeUrl, unsub.request.resourceNamesSubscribe, unsub.request.resourceNamesUnsubscribe],
    [TypeUrl.endpoint, [], ['ratings']],
  );
  assert.equal((await server.next()).request.responseNonce, 'n3');
  assert.deepEqual([...updates[updates.length - 1].clusters.keys()], ['reviews']);

  // A bad cluster: NACK with the field path; the last good clusters keep serving.
  const bad = eds('broken');
  bad.connectTimeout = create(DurationSchema, { seconds: -1n });
  const before = updates.length;
  server.respond(TypeUrl.cluster, 'n4', ClusterSchema, [['broken', 'v9', bad]]);
  const nack = await server.next();
  assert.equal(nack.request.responseNonce, 'n4');
  assert.equal(nack.request.errorDetail?.code, 3);
  assert.match(nack.request.errorDetail?.message ?? '', /^broken: connect_timeout/);
  assert.equal(updates.length, before, 'nothing published');
  assert.deepEqual([...client.resources().clusters.keys()], ['reviews']);
  assert.equal(client.status().types.cluster.lastNack?.versionInfo, 'sys-n4');
  assert.ok(events.some((e) => e.kind === 'nack'));
});

test('reconnects after the shared back-off and re-sends subscriptions with the versions it holds', async () => {
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

  const cds = await server.next();
  const edsReq = await server.next();
  assert.equal(cds.stream, streamsBefore, 'on the new stream');
  assert.ok(cds.request.node, 'the node again on the new stream');
  assert.deepEqual(cds.request.initialResourceVersions, { reviews: 'v1' });
  assert.equal(cds.request.responseNonce, '');
  assert.deepEqual(edsReq.request.resourceNamesSubscribe, ['reviews']);
  assert.deepEqual(edsReq.request.initialResourceVersions, { reviews: 'e1' });
  assert.equal(edsReq.request.node, undefined);
  // The config served meanwhile is untouched.
  assert.deepEqual([...client.resources().clusters.keys()], ['reviews']);
});
