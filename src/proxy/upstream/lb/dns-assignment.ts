// STRICT_DNS and LOGICAL_DNS clusters: which names to resolve, and the inline assignment rewritten with the
// resolved addresses so that HostSet.update can treat it like any EDS assignment.
import { isIP } from 'node:net';
import type { Cluster, ClusterLoadAssignment } from '../../config/cluster.js';

/** Host names a STRICT_DNS / LOGICAL_DNS cluster's inline endpoints need resolved (IP literals excluded). */
export function dnsHostnames(cluster: Cluster): string[] {
  const names = new Set<string>();
  for (const group of cluster.loadAssignment?.localities ?? []) {
    for (const endpoint of group.endpoints) {
      if (isIP(endpoint.address.host) === 0) names.add(endpoint.address.host);
    }
  }
  return [...names];
}

/**
 * A DNS cluster's inline assignment with host names replaced by their resolved addresses, ready for
 * `HostSet.update`. STRICT_DNS makes one endpoint per address; LOGICAL_DNS keeps only the first address
 * of its (single) endpoint, as Envoy does. Names not resolved (yet) contribute no endpoints; the original
 * name is kept as the endpoint's `hostname`. Host objects survive re-resolution when an address stays.
 */
export function resolveDnsAssignment(
  cluster: Cluster,
  resolved: (hostname: string) => readonly string[] | undefined,
): ClusterLoadAssignment {
  const source = cluster.loadAssignment ?? {
    clusterName: cluster.name,
    localities: [],
    overprovisioningFactor: 0,
  };
  const logical = cluster.type === 'LOGICAL_DNS';
  return {
    ...source,
    localities: source.localities.map((group) => ({
      ...group,
      endpoints: group.endpoints.flatMap((endpoint) => {
        const name = endpoint.address.host;
        if (isIP(name) !== 0) return [endpoint];
        const addresses = resolved(name) ?? [];
        return (logical ? addresses.slice(0, 1) : addresses).map((ip) => ({
          ...endpoint,
          address: { host: ip, port: endpoint.address.port },
          hostname: endpoint.hostname ?? name,
        }));
      }),
    })),
  };
}
