// EDS for proxyless gRPC: the sidecars' ClusterLoadAssignment (subset labels, localities, priorities,
// health) with every locality weighted, because gRPC skips localities without a load_balancing_weight;
// an unweighted locality gets the sum of its endpoints' weights (Istio always writes that sum).
import type { ClusterLoadAssignment } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import type { TranslateContext } from '../translate/context.js';
import { loadAssignment } from '../translate/endpoint/eds.js';
import { resolveClusterName } from './names.js';

export function grpcLoadAssignment(ctx: TranslateContext, name: string): ClusterLoadAssignment | undefined {
  if (!resolveClusterName(ctx, name)) return undefined;
  // A fresh message per call (the caching happens in the sidecar generator table, not here): safe to edit.
  const cla = loadAssignment(ctx, name);
  if (!cla) return undefined;
  for (const group of cla.endpoints) {
    if (group.loadBalancingWeight !== undefined) continue;
    const sum = group.lbEndpoints.reduce((n, e) => n + (e.loadBalancingWeight ?? 1), 0);
    group.loadBalancingWeight = Math.max(1, sum);
  }
  return cla;
}

export function grpcLoadAssignments(
  ctx: TranslateContext,
  names: readonly string[] | undefined,
): ClusterLoadAssignment[] {
  return [...new Set(names ?? [])].flatMap((n) => grpcLoadAssignment(ctx, n) ?? []);
}
