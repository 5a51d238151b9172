// Gateway servers that carry TCP: PASSTHROUGH servers route by SNI with the bound VirtualServices' `tls`
// routes (one filter chain per route's sniHosts), TLS-terminating TLS servers and TCP servers with their
// `tcp` routes; both end in a TCP proxy to the route's cluster(s).
import { create } from '@bufbuild/protobuf';
import type { RouteDestination, Server } from '../../../api/index.js';
import {
  type FilterChain,
  FilterChainMatchSchema,
  FilterChainSchema,
} from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import {
  type TcpProxy,
  TcpProxy_WeightedCluster_ClusterWeightSchema,
  TcpProxy_WeightedClusterSchema,
} from '../../../generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { gatewayKey } from '../../model/visibility.js';
import type { TranslateContext } from '../context.js';
import { serverHostMatches } from '../route/route-config.js';
import { routeBuild } from '../route/virtual-host.js';
import { istioStatsNetworkFilter, tcpProxy } from './filters.js';
import { TRANSPORT_TLS } from './inbound-tls.js';

/** A Gateway server with the gateway it belongs to. */
export interface GatewayServer {
  /** `namespace/name` of the Gateway. */
  key: string;
  name: string;
  namespace: string;
  server: Server;
}

interface L4Match {
  port?: number;
  gateways?: string[];
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
}

/** Whether a tls/tcp match applies on this gateway server (its gateways default to the VirtualService's). */
function l4MatchApplies(ctx: TranslateContext, m: L4Match, gs: GatewayServer, vsNs: string, vsGw: string[]) {
  if (m.port !== undefined && m.port !== gs.server.port.number) return false;
  if (m.sourceNamespace && m.sourceNamespace !== ctx.proxy.namespace) return false;
  if (m.sourceLabels && !Object.entries(m.sourceLabels).every(([k, v]) => ctx.proxy.labels[k] === v))
    return false;
  const gateways = m.gateways?.length ? m.gateways : vsGw;
  return gateways.some((g) => gatewayKey(g, vsNs) === gs.key);
}

/** The VirtualServices bound to the gateway whose hosts the server admits, with their namespaces. */
function* admittedVirtualServices(ctx: TranslateContext, gs: GatewayServer) {
  for (const vs of ctx.snapshot.virtualServices(gs.key, ctx.proxy.namespace)) {
    const vsNs = vs.resource.metadata.namespace;
    const spec = vs.resource.spec;
    if (
      (spec.hosts ?? []).some((h) =>
        gs.server.hosts.some((sh) => serverHostMatches(sh, h, vsNs, gs.namespace)),
      )
    )
      yield { spec, vsNs };
  }
}

/** The TCP proxy of a route's destinations: one cluster, or weighted clusters. */
function routeTcpProxy(
  ctx: TranslateContext,
  gs: GatewayServer,
  vsNs: string,
  destinations: RouteDestination[],
): ReturnType<typeof tcpProxy> {
  const build = routeBuild(ctx, gs.key, gs.server.port.number, vsNs);
  const kept = destinations.length === 1 ? destinations : destinations.filter((d) => (d.weight ?? 0) > 0);
  const first = build.clusterOf(kept[0].destination);
  return tcpProxy(first, first, (tp: TcpProxy) => {
    if (kept.length === 1) return;
    tp.clusterSpecifier = {
      case: 'weightedClusters',
      value: create(TcpProxy_WeightedClusterSchema, {
        clusters: kept.map((d) =>
          create(TcpProxy_WeightedCluster_ClusterWeightSchema, {
            name: build.clusterOf(d.destination),
            weight: d.weight ?? 0,
          }),
        ),
      }),
    };
  });
}

/**
 * PASSTHROUGH: one chain per `tls` route match of the VirtualServices whose hosts the server admits,
 * matching the route's sniHosts, TLS left untouched. Earlier routes win an SNI already taken.
 */
export function passthroughChains(
  ctx: TranslateContext,
  gs: GatewayServer,
  seen: Set<string>,
): FilterChain[] {
  const out: FilterChain[] = [];
  for (const { spec, vsNs } of admittedVirtualServices(ctx, gs)) {
    for (const route of spec.tls ?? []) {
      if (!route.route?.length) continue;
      for (const m of route.match) {
        if (!l4MatchApplies(ctx, m, gs, vsNs, spec.gateways ?? [])) continue;
        // The match's sniHosts become the chain's server names as written (validation keeps them within the
        // VirtualService's hosts); a match naming an SNI an earlier chain took is skipped whole, as in Istio
        // (two chains with one server name would be ambiguous).
        const names = [...new Set(m.sniHosts.map((h) => h.toLowerCase()))].sort();
        if (names.length === 0 || names.some((n) => seen.has(n))) continue;
        for (const n of names) seen.add(n);
        const id = names.join(',');
        out.push(
          create(FilterChainSchema, {
            name: `${gs.key}:${gs.server.port.number}:${id}`,
            filterChainMatch: create(FilterChainMatchSchema, {
              serverNames: names.includes('*') ? [] : names,
              transportProtocol: TRANSPORT_TLS,
            }),
            filters: [istioStatsNetworkFilter('gateway'), routeTcpProxy(ctx, gs, vsNs, route.route)],
          }),
        );
      }
    }
  }
  return out;
}

/** TCP (and TLS-terminated TCP) servers: the first bound `tcp` route that applies, as the chain's filter. */
export function tcpServerFilter(ctx: TranslateContext, gs: GatewayServer) {
  for (const { spec, vsNs } of admittedVirtualServices(ctx, gs)) {
    for (const route of spec.tcp ?? []) {
      if (!route.route?.length) continue;
      const applies =
        !route.match?.length ||
        route.match.some((m) => l4MatchApplies(ctx, m, gs, vsNs, spec.gateways ?? []));
      if (applies) return routeTcpProxy(ctx, gs, vsNs, route.route);
    }
  }
  return undefined;
}
