// `proxy-config endpoint`'s table from the admin's /clusters?format=json, as istioctl prints it:
// ENDPOINT STATUS OUTLIER CHECK CLUSTER.
import { addressText, arr, at, type Json, str } from './dump.js';
import { renderTable } from './table.js';

export interface EndpointFilter {
  cluster?: string;
  port?: number;
  address?: string;
  status?: string;
}

export function endpointRows(clustersJson: unknown, filter: EndpointFilter = {}): string[][] {
  const rows: string[][] = [];
  for (const c of arr(at(clustersJson, 'cluster_statuses'))) {
    const cluster = str(c.name);
    if (filter.cluster !== undefined && cluster !== filter.cluster) continue;
    for (const h of arr(c.host_statuses)) {
      const a = addressText(h.address);
      const endpoint = a.port ? `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}` : a.host;
      const status = str(at(h, 'health_status', 'eds_health_status')) || 'UNKNOWN';
      const outlier = at(h, 'health_status', 'failed_outlier_check') === true ? 'FAILED' : 'OK';
      if (filter.port !== undefined && a.port !== String(filter.port)) continue;
      if (filter.address !== undefined && a.host !== filter.address) continue;
      if (filter.status !== undefined && status !== filter.status.toUpperCase()) continue;
      rows.push([endpoint, status, outlier, cluster]);
    }
  }
  return rows;
}

export function renderEndpoints(clustersJson: unknown, filter: EndpointFilter = {}): string {
  return renderTable(
    ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'],
    endpointRows(clustersJson, filter),
    1,
  );
}

/** The statuses themselves, for -o json/yaml (istioctl prints the cluster statuses). */
export function endpointStatuses(clustersJson: unknown, filter: EndpointFilter = {}): Json[] {
  return arr(at(clustersJson, 'cluster_statuses')).filter(
    (c) => filter.cluster === undefined || str(c.name) === filter.cluster,
  );
}
