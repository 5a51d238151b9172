// Builds the load balancer a cluster's lb_policy names, over that cluster's HostSet.
import type { Cluster } from '../../config/cluster.js';
import type { HostSet } from '../host-set.js';
import { RoundRobinLoadBalancer } from './round-robin.js';
import type { LoadBalancer } from './types.js';

export type { Host, LbContext, LoadBalancer } from './types.js';

/**
 * The balancer for `cluster.lbPolicy`. `random` returns [0, 1) (Math.random in production, a seeded
 * generator in tests). CLUSTER_PROVIDED (original destination) falls back to round robin.
 */
export function createLoadBalancer(cluster: Cluster, hosts: HostSet, random: () => number): LoadBalancer {
  switch (cluster.lbPolicy) {
    default:
      return new RoundRobinLoadBalancer(hosts, random);
  }
}
