// VirtualService route destinations → the route's cluster: one cluster, or weighted clusters (weight 0
// entries dropped; a single destination without weight takes 100 %), with per-destination header edits.
import { create } from '@bufbuild/protobuf';
import type { Destination, HTTPRouteDestination } from '../../../api/index.js';
import {
  type RouteAction,
  WeightedCluster_ClusterWeightSchema,
  WeightedClusterSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { applyHeaders } from './headers.js';

/** Turns a destination into its cluster name (`outbound|port|subset|host`). */
export type ClusterResolver = (d: Destination) => string;

export function applyDestinations(
  action: RouteAction,
  route: HTTPRouteDestination[],
  clusterOf: ClusterResolver,
): void {
  const kept = route.length === 1 ? route : route.filter((d) => (d.weight ?? 0) > 0);
  if (kept.length === 1 && !kept[0].headers) {
    action.clusterSpecifier = { case: 'cluster', value: clusterOf(kept[0].destination) };
    return;
  }
  const clusters = kept.map((d) => {
    const cw = create(WeightedCluster_ClusterWeightSchema, {
      name: clusterOf(d.destination),
      weight: kept.length === 1 ? 100 : (d.weight ?? 0),
    });
    const authority = applyHeaders(cw, d.headers);
    if (authority) cw.hostRewriteSpecifier = { case: 'hostRewriteLiteral', value: authority };
    return cw;
  });
  action.clusterSpecifier = { case: 'weightedClusters', value: create(WeightedClusterSchema, { clusters }) };
}
