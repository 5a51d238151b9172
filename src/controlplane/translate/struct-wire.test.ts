// The hand-written Metadata encoder produces bytes protobuf-es decodes to the same JSON it was given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary, toJson } from '@bufbuild/protobuf';
import { MetadataSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import { encodeMetadata } from './struct-wire.js';

test('metadata with strings, numbers, booleans, null, lists and nested objects round-trips', () => {
  const value = {
    istio: {
      services: [{ host: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default' }],
      default_original_port: 9080,
      subset: 'v1',
      flag: true,
      nothing: null,
      ratio: 0.25,
      nested: { deeper: ['a', 1, false] },
    },
    other: {},
  };
  const decoded = fromBinary(MetadataSchema, encodeMetadata(value));
  assert.deepEqual(toJson(MetadataSchema, decoded), { filterMetadata: value });
});

test('a packed cluster with hand-encoded metadata decodes to the same message', async () => {
  const { anyUnpack } = await import('@bufbuild/protobuf/wkt');
  const { equals, create } = await import('@bufbuild/protobuf');
  const { ClusterSchema } = await import('../../generated/envoy/config/cluster/v3/cluster_pb.js');
  const { packCluster } = await import('./cluster/index.js');
  const c = create(ClusterSchema, {
    name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
    metadata: create(MetadataSchema, {
      filterMetadata: { istio: { subset: 'v1', default_original_port: 9080 } },
    }),
  });
  const back = anyUnpack(packCluster(c), ClusterSchema);
  assert.ok(back && equals(ClusterSchema, back, c));
});
