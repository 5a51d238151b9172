import { create, toBinary } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../src/generated/envoy/config/cluster/v3/cluster_pb.js';
import { MetadataSchema } from '../../src/generated/envoy/config/core/v3/base_pb.js';
import {
  RouteActionSchema,
  RouteMatchSchema,
  RouteSchema,
} from '../../src/generated/envoy/config/route/v3/route_components_pb.js';

function bench(label: string, n: number, f: () => unknown) {
  for (let i = 0; i < n; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(label, (((performance.now() - t0) / n) * 1000).toFixed(2), 'µs');
}
bench('create Cluster', 5000, () => create(ClusterSchema, { name: 'x' }));
const c = create(ClusterSchema, { name: 'outbound|9080||reviews.default.svc.cluster.local' });
bench('toBinary Cluster', 5000, () => toBinary(ClusterSchema, c));
bench('create Route', 5000, () => create(RouteSchema, { name: 'x' }));
bench('create RouteAction', 5000, () => create(RouteActionSchema, {}));
bench('create RouteMatch', 5000, () => create(RouteMatchSchema, {}));
const md = create(MetadataSchema, {
  filterMetadata: {
    istio: { services: [{ host: 'a', name: 'b', namespace: 'c' }], default_original_port: 9080 },
  },
});
bench('toBinary Metadata', 5000, () => toBinary(MetadataSchema, md));
