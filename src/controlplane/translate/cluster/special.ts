// The clusters Istio always has: BlackHoleCluster (no endpoints: REGISTRY_ONLY misses) and
// PassthroughCluster (original destination: ALLOW_ANY traffic to hosts outside the registry).
import { create } from '@bufbuild/protobuf';
import {
  type Cluster,
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  ClusterSchema,
} from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from '../names.js';
import { durationOf } from '../pb.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './pool.js';

export function blackHoleCluster(): Cluster {
  return create(ClusterSchema, {
    name: BLACKHOLE_CLUSTER,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: durationOf(DEFAULT_CONNECT_TIMEOUT_MS),
    loadAssignment: create(ClusterLoadAssignmentSchema, { clusterName: BLACKHOLE_CLUSTER }),
  });
}

export function passthroughCluster(): Cluster {
  return create(ClusterSchema, {
    name: PASSTHROUGH_CLUSTER,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST },
    lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED,
    connectTimeout: durationOf(DEFAULT_CONNECT_TIMEOUT_MS),
  });
}
