// ADS server edge cases through a real grpc-js stream: stale nonces are ignored, unknown types get an empty
// answer, closing a stream runs the connect hook's cleanup; delta xDS sends only what changed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { AdsTestClient } from '../../../test/simulation/ads-client.js';
import { BOOKINFO } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import { VirtualClock } from '../../common/clock.js';
import { NodeSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import {
  type DeltaDiscoveryRequest,
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { StatusSchema } from '../../generated/google/rpc/status_pb.js';
import { TYPE_URLS } from '../translate/generators.js';
import { adsServiceDefinition } from './ads-service.js';
import { AdsServer } from './server.js';

const node = create(NodeSchema, { id: 'sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('stale nonces, unknown types, disconnect cleanup', async () => {
  let connected = 0;
  let closed = 0;
  const server = new AdsServer(snapshotFromYaml(BOOKINFO), {
    clock: new VirtualClock(),
    onConnect: () => {
      connected++;
      return () => closed++;
    },
  });
  const port = await server.listen('127.0.0.1', 0);
  const client = new AdsTestClient(`127.0.0.1:${port}`, node);
  try {
    client.send({
      typeUrl: TYPE_URLS.endpoint,
      resourceNames: ['outbound|9080|v1|reviews.default.svc.cluster.local'],
    });
    const first = await client.next();
    // The client changes its subscription, answering the first response.
    client.send({
      typeUrl: TYPE_URLS.endpoint,
      versionInfo: first.versionInfo,
      responseNonce: first.nonce,
      resourceNames: ['outbound|9080|v2|reviews.default.svc.cluster.local'],
    });
    const second = await client.next();
    assert.equal(second.resources.length, 1);
    assert.notEqual(second.nonce, first.nonce);
    // A late request still carrying the first nonce is stale: no answer, no state change.
    client.send({
      typeUrl: TYPE_URLS.endpoint,
      versionInfo: first.versionInfo,
      responseNonce: first.nonce,
      resourceNames: [],
    });
    await sleep(100);
    assert.equal(client.inbox.length, 0);
    assert.deepEqual(server.status()[0].types.EDS.resourceNames, [
      'outbound|9080|v2|reviews.default.svc.cluster.local',
    ]);
    // A type without a generator (secrets, until the CA serves them) gets an empty response, not silence.
    client.send({
      typeUrl: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
      resourceNames: ['default'],
    });
    const sds = await client.next();
    assert.equal(sds.resources.length, 0);
    assert.equal(connected, 1);
  } finally {
    client.close();
  }
  for (let i = 0; i < 50 && closed === 0; i++) await sleep(20);
  assert.equal(closed, 1, 'the connect hook cleanup ran when the stream ended');
  assert.deepEqual(server.status(), []);
  await server.close();
});

test('delta xDS: per-resource versions, only changes and removals are sent, ACK and NACK tracked', async () => {
  const clock = new VirtualClock();
  const server = new AdsServer(snapshotFromYaml(BOOKINFO), { clock });
  const port = await server.listen('127.0.0.1', 0);
  const Client = grpc.makeGenericClientConstructor(adsServiceDefinition, 'ads');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  type DeltaStream = grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  const call = (client as unknown as { DeltaAggregatedResources(): DeltaStream }).DeltaAggregatedResources();
  const inbox: DeltaDiscoveryResponse[] = [];
  call.on('data', (r: DeltaDiscoveryResponse) => inbox.push(r));
  call.on('error', () => {});
  const next = async (): Promise<DeltaDiscoveryResponse> => {
    for (let i = 0; i < 100 && inbox.length === 0; i++) await sleep(20);
    const r = inbox.shift();
    assert.ok(r, 'a delta response');
    return r;
  };
  const send = (init: MessageInitShape<typeof DeltaDiscoveryRequestSchema>) =>
    call.write(create(DeltaDiscoveryRequestSchema, { node, ...init }));
  try {
    send({ typeUrl: TYPE_URLS.cluster });
    const cds = await next();
    const names = cds.resources.map((r) => r.name);
    assert.ok(names.includes('outbound|9080|v2|reviews.default.svc.cluster.local'));
    assert.ok(cds.resources.every((r) => r.version !== ''));
    send({ typeUrl: TYPE_URLS.cluster, responseNonce: cds.nonce });
    send({
      typeUrl: TYPE_URLS.endpoint,
      resourceNamesSubscribe: ['outbound|9080|v1|reviews.default.svc.cluster.local'],
    });
    const eds1 = await next();
    assert.deepEqual(
      eds1.resources.map((r) => r.name),
      ['outbound|9080|v1|reviews.default.svc.cluster.local'],
    );
    send({
      typeUrl: TYPE_URLS.endpoint,
      responseNonce: eds1.nonce,
      resourceNamesSubscribe: ['outbound|9080|v2|reviews.default.svc.cluster.local'],
    });
    const eds2 = await next();
    assert.deepEqual(
      eds2.resources.map((r) => r.name),
      ['outbound|9080|v2|reviews.default.svc.cluster.local'],
      'only the new name',
    );
    send({
      typeUrl: TYPE_URLS.endpoint,
      responseNonce: eds2.nonce,
      errorDetail: create(StatusSchema, { code: 3, message: 'bad endpoint' }),
    });
    await sleep(50);
    assert.equal(server.status()[0].types.CDS.state, 'SYNCED');
    assert.equal(server.status()[0].types.EDS.nack?.message, 'bad endpoint');
    // Dropping subset v2 from the DestinationRule removes its clusters: sent as removed names only.
    server.update(snapshotFromYaml(BOOKINFO.replace('  - { name: v2, labels: { version: v2 } }\n', '')), {
      full: true,
    });
    clock.advance(200);
    const change = await next();
    assert.equal(change.typeUrl, TYPE_URLS.cluster);
    assert.deepEqual(change.resources, []);
    assert.deepEqual(change.removedResources, ['outbound|9080|v2|reviews.default.svc.cluster.local']);
  } finally {
    call.end();
    client.close();
    await server.close();
  }
});
