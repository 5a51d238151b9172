// Every cluster a proxy gets: outbound clusters of the services it may see, inbound clusters of its own
// ports (sidecars), and Istio's BlackHoleCluster / PassthroughCluster.
import type { Cluster } from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import type { TranslateContext } from '../context.js';
import { inboundPorts } from '../inbound-ports.js';
import { inboundCluster } from './inbound.js';
import { outboundClusters } from './outbound.js';
import { blackHoleCluster, passthroughCluster } from './special.js';

export function clustersFor(ctx: TranslateContext): Cluster[] {
  const out: Cluster[] = [];
  for (const svc of ctx.visibleServices())
    out.push(...outboundClusters(svc, ctx.destinationRule(svc.hostname)?.spec));
  if (ctx.proxy.type === 'sidecar') for (const p of inboundPorts(ctx)) out.push(inboundCluster(p));
  out.push(blackHoleCluster(), passthroughCluster());
  return out;
}
