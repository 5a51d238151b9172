// Istio's SNI-DNAT clusters for gateways with an AUTO_PASSTHROUGH server: `outbound_.<port>_.<subset>_.<host>`,
// the same endpoints (EDS service name `outbound|<port>|<subset>|<host>`) and policies as the outbound cluster,
// but no TLS origination: the client's own mutual TLS passes through to the endpoint's sidecar.
import { clone } from '@bufbuild/protobuf';
import { type Cluster, ClusterSchema } from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import type { Service } from '../../model/service.js';
import { memo, resourceKey } from '../cache.js';
import type { TranslateContext } from '../context.js';
import { hasAutoPassthroughServer, sniDnatClusterName } from '../listener/gateway-auto-passthrough.js';
import { parseClusterName } from '../names.js';

/** The SNI-DNAT copy of one outbound cluster. */
export function sniDnatCluster(outbound: Cluster): Cluster | undefined {
  const parsed = parseClusterName(outbound.name);
  if (parsed?.direction !== 'outbound') return undefined;
  const c = clone(ClusterSchema, outbound);
  c.name = sniDnatClusterName(parsed.port, parsed.subset, parsed.host);
  c.transportSocket = undefined;
  c.transportSocketMatches = [];
  if (c.edsClusterConfig) c.edsClusterConfig.serviceName ||= outbound.name;
  return c;
}

/** A router's SNI-DNAT clusters (none unless a Gateway server selecting it is AUTO_PASSTHROUGH). */
export function sniDnatClusters(ctx: TranslateContext, outboundOf: (svc: Service) => Cluster[]): Cluster[] {
  if (!hasAutoPassthroughServer(ctx.snapshot, ctx.proxy)) return [];
  const out: Cluster[] = [];
  for (const svc of ctx.visibleServices()) {
    if (svc.meshExternal) continue;
    const key = `sni-dnat|${svc.hostname}|${resourceKey(ctx.destinationRule(svc.hostname))}`;
    // The registry carries TCP-based ports only (Istio skips UDP ones), so every outbound cluster counts.
    const clusters = memo(ctx.snapshot, key, () => outboundOf(svc).flatMap((c) => sniDnatCluster(c) ?? []));
    out.push(...clusters);
  }
  return out;
}
