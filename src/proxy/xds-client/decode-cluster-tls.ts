// Decodes a Cluster's transports: transport_socket (the default) and transport_socket_matches (per-endpoint
// transports chosen by endpoint metadata, Istio's auto mTLS), NACKing what Trellis cannot honour.
import { childPath } from '../../common/result.js';
import {
  type Cluster,
  Cluster_TransportSocketMatchSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import type { Cluster as DomainCluster, TransportSocketMatch } from '../config/cluster.js';
import { type DecodeContext, NOT_SUPPORTED } from './decode-context.js';
import { decodeUpstreamTransportSocket } from './decode-tls.js';

function decodeMatchCriteria(
  ctx: DecodeContext,
  match: Record<string, unknown> | undefined,
  path: string,
): TransportSocketMatch['match'] {
  const out: TransportSocketMatch['match'] = {};
  for (const [key, value] of Object.entries(match ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out[key] = value;
    else
      ctx.error(
        childPath(path, key),
        `${value === null ? 'null' : 'list and struct'} values ${NOT_SUPPORTED}`,
      );
  }
  return out;
}

/** Sets `cluster.tls` and `cluster.transportSocketMatches` from the Envoy cluster. */
export function decodeClusterTransports(
  ctx: DecodeContext,
  c: Cluster,
  path: string,
  cluster: DomainCluster,
): void {
  if (c.transportSocket !== undefined) {
    const tls = decodeUpstreamTransportSocket(ctx, c.transportSocket, childPath(path, 'transport_socket'));
    if (tls !== undefined) cluster.tls = tls;
  }
  if (c.transportSocketMatches.length === 0) return;
  const list = childPath(path, 'transport_socket_matches');
  cluster.transportSocketMatches = c.transportSocketMatches.map((m, i) => {
    const p = childPath(list, i);
    ctx.onlyFields(Cluster_TransportSocketMatchSchema, m, p, ['name', 'match', 'transport_socket']);
    const out: TransportSocketMatch = {
      name: m.name,
      match: decodeMatchCriteria(ctx, m.match, childPath(p, 'match')),
    };
    // Without a transport_socket Envoy uses its default, plain text.
    if (m.transportSocket !== undefined) {
      const tls = decodeUpstreamTransportSocket(ctx, m.transportSocket, childPath(p, 'transport_socket'));
      if (tls !== undefined) out.tls = tls;
    }
    return out;
  });
}
