// `proxy-config bootstrap`: a short summary of the proxy's bootstrap (node, admin, xDS servers, static
// resources); -o json/yaml print the BootstrapConfigDump section itself.
import { addressText, arr, at, type Json, obj, section, str } from './dump.js';

export function bootstrapSection(dump: unknown): Json | undefined {
  return section(dump, 'BootstrapConfigDump');
}

export function renderBootstrapSummary(bootstrapDump: Json): string {
  const b = obj(bootstrapDump.bootstrap);
  const node = obj(b.node);
  const admin = addressText(at(b, 'admin', 'address'));
  const ads = obj(at(b, 'dynamic_resources', 'ads_config'));
  const adsClusters = arr(ads.grpc_services)
    .map((g) => str(at(g, 'envoy_grpc', 'cluster_name')) || str(at(g, 'google_grpc', 'target_uri')))
    .filter((n) => n !== '');
  const staticClusters = arr(at(b, 'static_resources', 'clusters'));
  const xds = staticClusters
    .filter((c) => adsClusters.includes(str(c.name)))
    .flatMap((c) =>
      arr(at(c, 'load_assignment', 'endpoints')).flatMap((e) =>
        arr(e.lb_endpoints).map((l) => {
          const a = addressText(at(l, 'endpoint', 'address'));
          return a.port ? `${a.host}:${a.port}` : a.host;
        }),
      ),
    );
  const metadata = obj(node.metadata);
  const lines: [string, string][] = [
    ['NODE ID', str(node.id)],
    ['CLUSTER', str(node.cluster)],
    ['NAMESPACE', str(metadata.NAMESPACE)],
    ['ADMIN', admin.port ? `${admin.host}:${admin.port}` : admin.host],
    ['XDS', `${str(ads.api_type) || '-'} via ${adsClusters.join(',') || '-'} (${xds.join(',') || '-'})`],
    ['STATIC LISTENERS', String(arr(at(b, 'static_resources', 'listeners')).length)],
    ['STATIC CLUSTERS', String(staticClusters.length)],
    ['LAST UPDATED', str(bootstrapDump.last_updated) || '-'],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}\n`).join('');
}
