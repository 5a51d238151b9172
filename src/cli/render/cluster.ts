// `proxy-config cluster`'s table as istioctl prints it: SERVICE FQDN PORT SUBSET DIRECTION TYPE
// DESTINATION RULE, with Istio's `direction|port|subset|fqdn` cluster names taken apart.
import { at, istioConfigName, type Json, str } from './dump.js';
import { renderTable } from './table.js';

export interface ClusterFilter {
  fqdn?: string;
  port?: number;
  subset?: string;
  direction?: string;
}

export interface ClusterNameParts {
  fqdn: string;
  port: string;
  subset: string;
  direction: string;
}

/** `outbound|9080|v1|reviews.default.svc.cluster.local` → its parts; other names give `-` columns. */
export function parseIstioClusterName(name: string): ClusterNameParts {
  const parts = name.split('|');
  if (parts.length === 4 && /^\d+$/.test(parts[1])) {
    return { direction: parts[0], port: parts[1], subset: parts[2] || '-', fqdn: parts[3] };
  }
  return { fqdn: name, port: '-', subset: '-', direction: '-' };
}

/** Envoy's discovery type; proto3 JSON leaves out STATIC (0), custom types carry their extension name. */
export function clusterType(cluster: Json): string {
  if (cluster.type !== undefined) return str(cluster.type);
  const custom = str(at(cluster, 'cluster_type', 'name'));
  return custom || 'STATIC';
}

export function clusterMatches(cluster: Json, filter: ClusterFilter): boolean {
  const p = parseIstioClusterName(str(cluster.name));
  if (filter.fqdn !== undefined && !p.fqdn.startsWith(filter.fqdn)) return false;
  if (filter.port !== undefined && p.port !== String(filter.port)) return false;
  if (filter.subset !== undefined && p.subset !== filter.subset) return false;
  return filter.direction === undefined || p.direction === filter.direction;
}

export function clusterRows(clusters: readonly Json[], filter: ClusterFilter = {}): string[][] {
  return clusters
    .filter((c) => clusterMatches(c, filter))
    .map((c) => {
      const p = parseIstioClusterName(str(c.name));
      return [p.fqdn, p.port, p.subset, p.direction, clusterType(c), istioConfigName(c)];
    });
}

export function renderClusters(clusters: readonly Json[], filter: ClusterFilter = {}): string {
  return renderTable(
    ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'],
    clusterRows(clusters, filter),
    1,
  );
}
