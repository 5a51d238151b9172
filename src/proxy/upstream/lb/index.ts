// Builds the load balancer a cluster's lb_policy names, over that cluster's HostSet.
import type { Cluster } from '../../config/cluster.js';
import type { HostSet } from '../host-set.js';
import { LeastRequestLoadBalancer } from './least-request.js';
import { MaglevLoadBalancer } from './maglev.js';
import { RandomLoadBalancer } from './random.js';
import { RingHashLoadBalancer } from './ring-hash.js';
import { RoundRobinLoadBalancer } from './round-robin.js';
import type { LoadBalancer } from './types.js';

export type { Host, LbContext, LoadBalancer } from './types.js';

/**
 * The balancer for `cluster.lbPolicy`. `random` returns [0, 1) (Math.random in production, a seeded
 * generator in tests). CLUSTER_PROVIDED (original destination) falls back to round robin.
 */
export function createLoadBalancer(cluster: Cluster, hosts: HostSet, random: () => number): LoadBalancer {
  const config = cluster.lbConfig;
  switch (cluster.lbPolicy) {
    case 'LEAST_REQUEST':
      return new LeastRequestLoadBalancer(hosts, random, config.leastRequest?.choiceCount);
    case 'RANDOM':
      return new RandomLoadBalancer(hosts, random);
    case 'RING_HASH':
      return new RingHashLoadBalancer(
        hosts,
        random,
        config.ringHash?.minimumRingSize,
        config.ringHash?.maximumRingSize,
      );
    case 'MAGLEV':
      return new MaglevLoadBalancer(hosts, random, config.maglev?.tableSize);
    default:
      return new RoundRobinLoadBalancer(hosts, random);
  }
}
