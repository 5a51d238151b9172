// AUTO_PASSTHROUGH gateway servers (Istio's east-west / multi-network gateway): no VirtualService; a client
// sidecar's mutual TLS arrives with SNI `outbound_.<port>_.<subset>_.<host>` and passes through untouched to
// the endpoints of that service port (subset). As istiod does: one filter chain per service port that the
// server's hosts cover (and per DestinationRule subset), matching that SNI and Istio's mTLS ALPNs, whose TCP
// proxy goes to the SNI-DNAT cluster of the same name (same endpoints as `outbound|…`, no TLS origination).
import { create } from '@bufbuild/protobuf';
import { hostMatches } from '../../../api/index.js';
import {
  type FilterChain,
  FilterChainMatchSchema,
  FilterChainSchema,
} from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import type { MeshProxy } from '../../model/proxy.js';
import type { Service } from '../../model/service.js';
import type { Snapshot } from '../../model/snapshot.js';
import type { TranslateContext } from '../context.js';
import { tcpProxyFilters } from './filters.js';
import type { GatewayServer } from './gateway-tcp.js';
import { ISTIO_MTLS_ALPN, TRANSPORT_TLS } from './inbound-tls.js';

/** Istio's SNI-DNAT cluster name (and the SNI a client sends): `outbound_.9080_._.reviews.default.svc…`. */
export function sniDnatClusterName(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

/** Whether any Gateway server selecting this proxy is AUTO_PASSTHROUGH (then it gets SNI-DNAT clusters). */
export function hasAutoPassthroughServer(snapshot: Snapshot, proxy: MeshProxy): boolean {
  if (proxy.type !== 'router') return false;
  return snapshot
    .gatewaysFor(proxy)
    .some((gw) => (gw.spec.servers ?? []).some((s) => s.tls?.mode === 'AUTO_PASSTHROUGH'));
}

/** A server's hosts as SNI patterns: namespace prefixes dropped (`ns/*.local` → `*.local`). */
function serverPatterns(hosts: readonly string[]): string[] {
  return hosts.map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h));
}

/** One SNI-DNAT target: a service port and subset ('' for the whole port) the server's hosts cover. */
export interface SniDnatTarget {
  service: Service;
  port: number;
  subset: string;
  name: string;
}

/** Every SNI-DNAT target of a server: in-mesh services it covers, each TCP-carried port, plus DR subsets. */
export function sniDnatTargets(ctx: TranslateContext, hosts: readonly string[]): SniDnatTarget[] {
  const patterns = serverPatterns(hosts);
  const out: SniDnatTarget[] = [];
  for (const service of ctx.visibleServices()) {
    if (service.meshExternal) continue;
    if (!patterns.some((p) => hostMatches(p, service.hostname))) continue;
    const subsets = (ctx.destinationRule(service.hostname)?.spec.subsets ?? []).map((s) => s.name);
    for (const p of service.ports) {
      for (const subset of ['', ...subsets])
        out.push({
          service,
          port: p.port,
          subset,
          name: sniDnatClusterName(p.port, subset, service.hostname),
        });
    }
  }
  return out;
}

/** The chains of an AUTO_PASSTHROUGH server; SNIs an earlier server took are skipped. */
export function autoPassthroughChains(
  ctx: TranslateContext,
  gs: GatewayServer,
  seen: Set<string>,
): FilterChain[] {
  const out: FilterChain[] = [];
  for (const t of sniDnatTargets(ctx, gs.server.hosts)) {
    if (seen.has(t.name)) continue;
    seen.add(t.name);
    out.push(
      create(FilterChainSchema, {
        name: t.name,
        filterChainMatch: create(FilterChainMatchSchema, {
          serverNames: [t.name],
          transportProtocol: TRANSPORT_TLS,
          // Only Istio mTLS (a sidecar's ALPN) reaches a cluster this way, as in Istio.
          applicationProtocols: [...ISTIO_MTLS_ALPN],
        }),
        filters: tcpProxyFilters('gateway', t.name, t.name),
      }),
    );
  }
  return out;
}
