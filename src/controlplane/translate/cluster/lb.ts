// DestinationRule loadBalancer → the cluster's lb_policy and its config (simple, consistentHash, locality).
import { create } from '@bufbuild/protobuf';
import type { LoadBalancerSettings } from '../../../api/index.js';
import {
  type Cluster,
  Cluster_CommonLbConfig_LocalityWeightedLbConfigSchema,
  Cluster_CommonLbConfigSchema,
  Cluster_LbPolicy,
  Cluster_MaglevLbConfigSchema,
  Cluster_RingHashLbConfigSchema,
} from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';

/** Istio's default ring size for consistent hashing (minimumRingSize). */
export const DEFAULT_RING_SIZE = 1024;

/**
 * Applies the load balancer settings to `cluster`. Istio's default (no setting, UNSPECIFIED, LEAST_CONN) is
 * LEAST_REQUEST; consistentHash picks RING_HASH (or MAGLEV) and the hash key itself goes on the route
 * (see route/hash.ts). PASSTHROUGH is handled by the caller (it changes the discovery type).
 */
export function applyLoadBalancer(cluster: Cluster, lb: LoadBalancerSettings | undefined): void {
  cluster.lbPolicy = Cluster_LbPolicy.LEAST_REQUEST;
  if (lb?.simple === 'ROUND_ROBIN') cluster.lbPolicy = Cluster_LbPolicy.ROUND_ROBIN;
  else if (lb?.simple === 'RANDOM') cluster.lbPolicy = Cluster_LbPolicy.RANDOM;
  const ch = lb?.consistentHash;
  if (ch) {
    if (ch.maglev) {
      cluster.lbPolicy = Cluster_LbPolicy.MAGLEV;
      if (ch.maglev.tableSize) {
        cluster.lbConfig = {
          case: 'maglevLbConfig',
          value: create(Cluster_MaglevLbConfigSchema, { tableSize: BigInt(ch.maglev.tableSize) }),
        };
      }
    } else {
      cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
      const size = ch.ringHash?.minimumRingSize || ch.minimumRingSize || DEFAULT_RING_SIZE;
      cluster.lbConfig = {
        case: 'ringHashLbConfig',
        value: create(Cluster_RingHashLbConfigSchema, { minimumRingSize: BigInt(size) }),
      };
    }
  }
  const loc = lb?.localityLbSetting;
  if (loc && loc.enabled !== false && loc.distribute && loc.distribute.length > 0) {
    // Weighted distribution across localities: the weights themselves are written on the EDS localities.
    cluster.commonLbConfig = create(Cluster_CommonLbConfigSchema, {
      localityConfigSpecifier: {
        case: 'localityWeightedLbConfig',
        value: create(Cluster_CommonLbConfig_LocalityWeightedLbConfigSchema, {}),
      },
    });
  }
}

export function isPassthrough(lb: LoadBalancerSettings | undefined): boolean {
  return lb?.simple === 'PASSTHROUGH';
}
