// EDS for proxyless gRPC: the sidecars' ClusterLoadAssignment (subset labels, localities, priorities,
// health) with every locality weighted, because gRPC skips localities without a load_balancing_weight;
// an unweighted locality gets the sum of its endpoints' weights (Istio always writes that sum). gRPC NACKs
// an endpoint whose address is not an IP, so host-name endpoints are left out (DNS services get
// LOGICAL_DNS clusters instead).
import { isIP } from 'node:net';
import type { LbEndpoint } from '../../generated/envoy/config/endpoint/v3/endpoint_components_pb.js';
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
    group.lbEndpoints = group.lbEndpoints.filter((e) => isIP(endpointAddress(e)?.address ?? '') !== 0);
    if (group.loadBalancingWeight !== undefined) continue;
    const sum = group.lbEndpoints.reduce((n, e) => n + (e.loadBalancingWeight ?? 1), 0);
    group.loadBalancingWeight = Math.max(1, sum);
  }
  cla.endpoints = cla.endpoints.filter((g) => g.lbEndpoints.length > 0);
  return cla;
}

function endpointAddress(e: LbEndpoint): { address: string; port: number } | undefined {
  const a = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value.address?.address : undefined;
  if (a?.case !== 'socketAddress') return undefined;
  const port = a.value.portSpecifier.case === 'portValue' ? a.value.portSpecifier.value : 0;
  return { address: a.value.address, port };
}

/** The first endpoint's address and port of an assignment (for LOGICAL_DNS clusters). */
export function firstSocketAddress(
  cla: ClusterLoadAssignment | undefined,
): { address: string; port: number } | undefined {
  for (const g of cla?.endpoints ?? []) {
    for (const e of g.lbEndpoints) {
      const a = endpointAddress(e);
      if (a) return a;
    }
  }
  return undefined;
}

export function grpcLoadAssignments(
  ctx: TranslateContext,
  names: readonly string[] | undefined,
): ClusterLoadAssignment[] {
  return [...new Set(names ?? [])].flatMap((n) => grpcLoadAssignment(ctx, n) ?? []);
}
