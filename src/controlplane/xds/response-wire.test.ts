// The hand-assembled DiscoveryResponse bytes decode to the same message as the generated encoder's, and the
// content hash of a response follows content, not object identity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ControlPlaneSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import { DiscoveryResponseSchema } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { TYPE_URLS } from '../translate/generators.js';
import { resourcesHash } from './push.js';
import { encodeDiscoveryResponse as encodeBuffer } from './response-wire.js';

/** As plain Uint8Array, so decoded bytes fields compare equal to the generated decoder's. */
const encodeDiscoveryResponse = (m: Parameters<typeof encodeBuffer>[0]) => Uint8Array.from(encodeBuffer(m));

const cluster = (name: string, ms = 250) =>
  anyPack(ClusterSchema, create(ClusterSchema, { name, connectTimeout: { seconds: 0n, nanos: ms * 1e6 } }));

test('encodeDiscoveryResponse decodes to the same response as the generated encoder', () => {
  const shared = cluster('outbound|80||big.default.svc.cluster.local');
  const m = create(DiscoveryResponseSchema, {
    versionInfo: '7-abc',
    typeUrl: TYPE_URLS.cluster,
    nonce: '42',
    canary: true,
    controlPlane: create(ControlPlaneSchema, { identifier: 'trellis' }),
    resources: [shared, cluster('a'), shared],
  });
  const ours = encodeDiscoveryResponse(m);
  assert.deepEqual(
    fromBinary(DiscoveryResponseSchema, ours),
    fromBinary(DiscoveryResponseSchema, toBinary(DiscoveryResponseSchema, m)),
  );
  // Encoding again (the Any encodings now come from the cache) gives the same bytes.
  assert.deepEqual(encodeDiscoveryResponse(m), ours);
  const empty = create(DiscoveryResponseSchema, { versionInfo: '1', typeUrl: TYPE_URLS.route, nonce: '1' });
  assert.deepEqual(fromBinary(DiscoveryResponseSchema, encodeDiscoveryResponse(empty)), empty);
});

test('a large resource survives the length prefix (multi-byte varints)', () => {
  const names = Array.from({ length: 3000 }, (_, i) => `outbound|${i}||svc-${i}.ns.svc.cluster.local`);
  const resources = names.map((n) => cluster(n));
  const m = create(DiscoveryResponseSchema, {
    versionInfo: 'v',
    typeUrl: TYPE_URLS.cluster,
    nonce: '1',
    resources,
  });
  const decoded = fromBinary(DiscoveryResponseSchema, encodeDiscoveryResponse(m));
  assert.equal(decoded.resources.length, 3000);
  assert.deepEqual(decoded.resources[2999].value, resources[2999].value);
});

test('resourcesHash follows content: equal bytes in new objects hash alike, any changed byte or name differs', () => {
  const a = [{ name: 'a', resource: cluster('a') }];
  const sameContent = [{ name: 'a', resource: cluster('a') }];
  const otherBytes = [{ name: 'a', resource: cluster('a', 500) }];
  const otherName = [{ name: 'b', resource: a[0].resource }];
  const h = resourcesHash(TYPE_URLS.cluster, a);
  assert.equal(resourcesHash(TYPE_URLS.cluster, a), h, 'asked again of the same list');
  assert.equal(resourcesHash(TYPE_URLS.cluster, sameContent), h);
  assert.notEqual(resourcesHash(TYPE_URLS.cluster, otherBytes), h);
  assert.notEqual(resourcesHash(TYPE_URLS.cluster, otherName), h);
  assert.notEqual(resourcesHash(TYPE_URLS.listener, a), h, 'the same list under another type');
});
