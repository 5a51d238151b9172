// Gateway (router) listeners: one per port of the Gateway servers selecting the proxy, named `0.0.0.0_<port>`
// as Istio does, bound to the gateway address. Plain HTTP servers share one chain (RDS `http.<port>`); each
// terminating HTTPS server gets its own chain matched by SNI (RDS `https.<port>.<name>.<gateway>.<ns>`);
// PASSTHROUGH servers a chain per VirtualService `tls` route's sniHosts; AUTO_PASSTHROUGH servers a chain per
// SNI-DNAT cluster (gateway-auto-passthrough.ts); TCP and TLS-terminated TCP servers their `tcp` route.
// A tls_inspector reads SNI whenever a chain needs it.
import { create } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { TrafficDirection } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  type Filter,
  type FilterChain,
  FilterChainMatchSchema,
  FilterChainSchema,
} from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import { type Listener, ListenerSchema } from '../../../generated/envoy/config/listener/v3/listener_pb.js';
import {
  HttpConnectionManager_ForwardClientCertDetails,
  HttpConnectionManager_SetCurrentClientCertDetailsSchema,
  HttpConnectionManagerSchema,
} from '../../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { TranslateContext } from '../context.js';
import { gatewayRouteName, outboundListenerName } from '../names.js';
import { pack, socketAddress } from '../pb.js';
import { gatewayServers, httpsGatewayRouteName } from '../route/route-config.js';
import { credentialProblem } from '../sds/gateway-secrets.js';
import { httpConnectionManager, istioStatsNetworkFilter, tlsInspector } from './filters.js';
import { autoPassthroughChains } from './gateway-auto-passthrough.js';
import { type GatewayServer, passthroughChains, tcpServerFilter } from './gateway-tcp.js';
import {
  caFile,
  gatewayTransportSocket,
  serverCredentialNames,
  serverSniHosts,
  TERMINATING_MODES,
} from './gateway-tls.js';
import { TRANSPORT_RAW, TRANSPORT_TLS } from './inbound-tls.js';

/**
 * A gateway's HTTP connection manager: the client address from the peer, and (as Istio's gateway topology
 * default) SANITIZE_SET of x-forwarded-client-cert with the verified client certificate's subject, cert,
 * URI and DNS SANs — a MUTUAL server's backends learn who called; a client-supplied header never passes.
 */
function gatewayHcm(port: number, rds: string): Filter {
  const filter = httpConnectionManager({
    statPrefix: `outbound_0.0.0.0_${port}`,
    routes: { rds },
    useRemoteAddress: true,
  });
  if (filter.configType.case !== 'typedConfig') return filter;
  const hcm = anyUnpack(filter.configType.value, HttpConnectionManagerSchema);
  if (!hcm) return filter;
  hcm.forwardClientCertDetails = HttpConnectionManager_ForwardClientCertDetails.SANITIZE_SET;
  hcm.setCurrentClientCertDetails = create(HttpConnectionManager_SetCurrentClientCertDetailsSchema, {
    subject: true,
    cert: true,
    uri: true,
    dns: true,
  });
  filter.configType = { case: 'typedConfig', value: pack(HttpConnectionManagerSchema, hcm) };
  return filter;
}

const HTTP_FAMILY = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTPS']);

/** Every server of the Gateways selecting this proxy, grouped by port number (ascending). */
function serversByPort(ctx: TranslateContext): Map<number, GatewayServer[]> {
  const out = new Map<number, GatewayServer[]>();
  for (const gw of ctx.snapshot.gatewaysFor(ctx.proxy)) {
    const { name, namespace } = gw.metadata;
    for (const server of gw.spec.servers ?? []) {
      const list = out.get(server.port.number) ?? [];
      list.push({ key: `${namespace}/${name}`, name, namespace, server });
      out.set(server.port.number, list);
    }
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/** One terminating server's chain: SNI match, its TLS context, then HTTP (own route config) or TCP. */
function terminatingChain(ctx: TranslateContext, gs: GatewayServer, port: number): FilterChain | undefined {
  const proto = gs.server.port.protocol.toUpperCase();
  const http = HTTP_FAMILY.has(proto);
  const tls = gs.server.tls ?? {};
  const transportSocket = gatewayTransportSocket(tls, http);
  if (!transportSocket) return undefined;
  const routeName = httpsGatewayRouteName(port, gs.server.port.name ?? '', gs.name, gs.namespace);
  // A credential this gateway cannot be served (missing, or in another namespace): the chain is left out,
  // so the other servers keep serving (a chain waiting for a secret would hold the whole listener back).
  const mode = tls.mode ?? 'SIMPLE';
  const needCa = (mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') && !caFile(tls);
  const credentials = serverCredentialNames(tls);
  for (const [i, credential] of credentials.entries())
    if (credentialProblem(ctx, credential, needCa && i === 0, `${gs.key} ${routeName}`)) return undefined;
  const filter = http ? gatewayHcm(port, routeName) : tcpServerFilter(ctx, gs);
  if (!filter) return undefined;
  return create(FilterChainSchema, {
    name: routeName,
    filterChainMatch: create(FilterChainMatchSchema, {
      serverNames: serverSniHosts(gs.server.hosts),
      transportProtocol: TRANSPORT_TLS,
    }),
    transportSocket,
    // Istio's TCP metrics before a tcp_proxy; the HCM has its own istio.stats.
    filters: http ? [filter] : [istioStatsNetworkFilter('gateway'), filter],
  });
}

function portChains(ctx: TranslateContext, port: number, servers: GatewayServer[]): FilterChain[] {
  const name = outboundListenerName('0.0.0.0', port);
  const tlsChains: FilterChain[] = [];
  const passthroughSeen = new Set<string>();
  let plainTcp: FilterChain | undefined;
  for (const gs of servers) {
    const proto = gs.server.port.protocol.toUpperCase();
    // Istio's ServerTLSSettings mode defaults to PASSTHROUGH (its enum's zero value).
    const mode = gs.server.tls?.mode ?? (proto === 'HTTPS' || proto === 'TLS' ? 'PASSTHROUGH' : undefined);
    if (mode === 'PASSTHROUGH' && (proto === 'TLS' || proto === 'HTTPS')) {
      tlsChains.push(...passthroughChains(ctx, gs, passthroughSeen));
    } else if (mode === 'AUTO_PASSTHROUGH' && (proto === 'TLS' || proto === 'HTTPS')) {
      tlsChains.push(...autoPassthroughChains(ctx, gs, passthroughSeen));
    } else if (
      mode !== undefined &&
      TERMINATING_MODES.has(mode) &&
      (proto === 'HTTPS' || proto === 'TLS' || HTTP_FAMILY.has(proto))
    ) {
      const chain = terminatingChain(ctx, gs, port);
      if (chain) tlsChains.push(chain);
    } else if (proto === 'TCP' && !plainTcp) {
      const filter = tcpServerFilter(ctx, gs);
      if (filter)
        plainTcp = create(FilterChainSchema, { name, filters: [istioStatsNetworkFilter('gateway'), filter] });
    }
  }
  const plainHttp = gatewayServers(ctx, port).length > 0;
  const plain: FilterChain[] = [];
  if (plainHttp) {
    plain.push(
      create(FilterChainSchema, {
        name,
        filters: [gatewayHcm(port, gatewayRouteName(port))],
      }),
    );
  } else if (plainTcp) plain.push(plainTcp);
  // Plain text next to TLS chains on one port: the plain chain takes only what is not TLS.
  if (tlsChains.length > 0) {
    for (const c of plain)
      c.filterChainMatch = create(FilterChainMatchSchema, { transportProtocol: TRANSPORT_RAW });
  }
  return [...tlsChains, ...plain];
}

export function gatewayListeners(ctx: TranslateContext): Listener[] {
  if (ctx.proxy.type !== 'router') return [];
  const address = ctx.proxy.gatewayAddress ?? ctx.proxy.ips[0] ?? '0.0.0.0';
  const out: Listener[] = [];
  for (const [port, servers] of serversByPort(ctx)) {
    const filterChains = portChains(ctx, port, servers);
    // A port whose servers yield no chain (e.g. PASSTHROUGH without a matching tls route) gets no listener.
    if (filterChains.length === 0) continue;
    const inspect = filterChains.some(
      (c) => c.filterChainMatch?.transportProtocol || c.filterChainMatch?.serverNames.length,
    );
    out.push(
      create(ListenerSchema, {
        name: outboundListenerName('0.0.0.0', port),
        address: socketAddress(address, port),
        trafficDirection: TrafficDirection.OUTBOUND,
        listenerFilters: inspect ? [tlsInspector()] : [],
        filterChains,
      }),
    );
  }
  return out;
}
