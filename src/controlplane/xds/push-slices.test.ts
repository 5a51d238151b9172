// A released change through real grpc-js streams on 127.0.0.1 with more proxies than one push slice: every
// affected proxy gets the change (slices after the first run on later event-loop turns), only the type that
// changed is resent, proxies the change cannot affect get nothing, and flush() finishes a push at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { create, fromBinary } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import { VirtualClock } from '../../common/clock.js';
import { ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { edsNames, rdsNames, TYPE_URLS } from '../translate/generators.js';
import { adsServiceDefinition } from './ads-service.js';
import { AdsServer } from './server.js';

const meshWith = (v1Weight: number) => `
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { selector: { app: api }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: api-1, namespace: shop }
spec: { address: 10.1.0.1, labels: { app: api, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: api, namespace: shop }
spec: { host: api, subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: api, namespace: shop }
spec:
  hosts: [api]
  http:
  - route:
    - { destination: { host: api, subset: v1 }, weight: ${v1Weight} }
    - { destination: { host: api, subset: v2 }, weight: ${100 - v1Weight} }
---
apiVersion: v1
kind: Service
metadata: { name: private, namespace: vault }
spec: { selector: { app: private }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: shop }
spec: { egress: [{ hosts: ["./*"] }] }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: private, namespace: vault }
spec:
  hosts: [private]
  exportTo: ["."]
  http: [{ route: [{ destination: { host: private } }], timeout: ${v1Weight}s }]
`;

const PROXIES = 10;
const SLICE = 3;
const timers = new VirtualClock();
let server: AdsServer;
let port: number;

interface Stream {
  received: DiscoveryResponse[];
  synced: Set<string>;
  call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  client: grpc.Client;
}
const streams: Stream[] = [];

/** A sidecar subscribing like Envoy (CDS, LDS, then the EDS and RDS names they reference) and ACKing all. */
function open(i: number): Stream {
  const Client = grpc.makeGenericClientConstructor(adsServiceDefinition, 'ads');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (
    client as unknown as { StreamAggregatedResources(): Stream['call'] }
  ).StreamAggregatedResources();
  const node = { id: `sidecar~10.9.0.${i + 1}~web-${i}.shop~shop.svc.cluster.local` };
  const names = new Map<string, string[]>();
  const send = (init: Omit<Parameters<typeof create<typeof DiscoveryRequestSchema>>[1], 'node'>) =>
    call.write(create(DiscoveryRequestSchema, { node, ...init }));
  const s: Stream = { received: [], synced: new Set(), call, client };
  call.on('data', (r: DiscoveryResponse) => {
    s.received.push(r);
    s.synced.add(r.typeUrl);
    send({
      typeUrl: r.typeUrl,
      versionInfo: r.versionInfo,
      responseNonce: r.nonce,
      resourceNames: names.get(r.typeUrl) ?? [],
    });
    const follow =
      r.typeUrl === TYPE_URLS.cluster
        ? {
            typeUrl: TYPE_URLS.endpoint,
            names: edsNames(r.resources.flatMap((a) => anyUnpack(a, ClusterSchema) ?? [])),
          }
        : r.typeUrl === TYPE_URLS.listener
          ? {
              typeUrl: TYPE_URLS.route,
              names: rdsNames(r.resources.flatMap((a) => anyUnpack(a, ListenerSchema) ?? [])),
            }
          : undefined;
    if (follow && (names.get(follow.typeUrl) ?? []).join() !== follow.names.join()) {
      names.set(follow.typeUrl, follow.names);
      send({ typeUrl: follow.typeUrl, resourceNames: follow.names });
    }
  });
  call.on('error', () => {});
  send({ typeUrl: TYPE_URLS.cluster });
  send({ typeUrl: TYPE_URLS.listener });
  return s;
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const quiet = () => new Promise((r) => setTimeout(r, 100));

/** The weight of subset v1 in the route config a response carries. */
function v1Weight(r: DiscoveryResponse): number | undefined {
  for (const any of r.resources) {
    const rc = fromBinary(RouteConfigurationSchema, any.value);
    for (const vh of rc.virtualHosts) {
      for (const route of vh.routes) {
        if (route.action.case !== 'route') continue;
        const spec = route.action.value.clusterSpecifier;
        if (spec.case !== 'weightedClusters') continue;
        const v1 = spec.value.clusters.find((c) => c.name.includes('|v1|api.'));
        if (v1) return v1.weight;
      }
    }
  }
  return undefined;
}

before(async () => {
  server = new AdsServer(snapshotFromYaml(meshWith(80)), { clock: timers, pushSlice: SLICE });
  port = await server.listen('127.0.0.1', 0);
  for (let i = 0; i < PROXIES; i++) streams.push(open(i));
  await until(() => streams.every((s) => s.synced.size === 4), 'every stream synced');
  await quiet();
});

after(async () => {
  for (const s of streams) {
    s.call.end();
    s.client.close();
  }
  await server.close();
});

test('a route change released in slices reaches every proxy, as RDS only', async () => {
  for (const s of streams) s.received.length = 0;
  const skippedBefore = server.stats.skipped;
  server.update(snapshotFromYaml(meshWith(30)), { full: false, hosts: ['api.shop.svc.cluster.local'] });
  const before = server.status()[0].types.RDS?.sentVersion;
  timers.advance(100); // the debounce's quiet period: the first slice goes out now, the rest on later turns
  const sentNow = server.status().filter((p) => p.types.RDS?.sentVersion !== before).length;
  assert.equal(sentNow, SLICE, 'one slice is pushed synchronously');
  await until(() => streams.every((s) => s.received.length > 0), 'the push on every stream');
  await quiet();
  for (const s of streams) {
    assert.deepEqual(
      s.received.map((r) => r.typeUrl),
      [TYPE_URLS.route],
      'only the route config changed, so only RDS is resent',
    );
    assert.equal(v1Weight(s.received[0]), 30);
  }
  // CDS, EDS and LDS were generated for every proxy and found unchanged.
  assert.equal(server.stats.skipped - skippedBefore, PROXIES * 3);
});

test('flush() finishes a push to every proxy before it returns', async () => {
  for (const s of streams) s.received.length = 0;
  server.update(snapshotFromYaml(meshWith(60)), { full: false, hosts: ['api.shop.svc.cluster.local'] });
  server.flush();
  const versions = server.status().map((p) => p.types.RDS?.sentVersion);
  assert.equal(versions.length, PROXIES);
  assert.equal(new Set(versions).size, 1, 'every proxy was sent the same route config');
  assert.ok(!streams[0].received.some((r) => r.versionInfo === versions[0]), 'not yet received');
  await until(() => streams.every((s) => s.received.length > 0), 'the push on every stream');
  for (const s of streams) assert.equal(v1Weight(s.received[0]), 60);
});

test('a change no proxy can see is pushed to none', async () => {
  for (const s of streams) s.received.length = 0;
  const pushesBefore = server.stats.pushes;
  server.update(snapshotFromYaml(meshWith(60).replace('timeout: 60s', 'timeout: 7s')), {
    full: false,
    hosts: ['private.vault.svc.cluster.local'],
  });
  server.flush();
  await quiet();
  assert.equal(server.stats.pushes, pushesBefore);
  for (const s of streams)
    assert.deepEqual(
      s.received.map((r) => `${r.typeUrl} ${r.versionInfo}`),
      [],
    );
});
