// The sidecar's inbound listener `virtualInbound`, with the PeerAuthentication mode of each port: STRICT ports
// get mTLS chains only, PERMISSIVE ports an mTLS and a plain chain told apart by the tls_inspector, DISABLE
// ports a plain chain. Istio's shape (0.0.0.0:15006, chains per served port matched by destination port)
// unless the node metadata gives TRELLIS_INBOUND_PORT: then one listener on that address whose HTTP routes
// pick the served port from the Host header's port (`*:<port>`), falling back to the lowest HTTP port; an
// mTLS chain routes the ports that accept mTLS, a plain chain those that accept plain text, and a request for
// a port its chain does not accept gets 403. TCP-only workloads get a TCP proxy to their first port.
import { create } from '@bufbuild/protobuf';
import { DataSourceSchema, TrafficDirection } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  type FilterChain,
  FilterChainMatchSchema,
  FilterChainSchema,
} from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import { type Listener, ListenerSchema } from '../../../generated/envoy/config/listener/v3/listener_pb.js';
import {
  DirectResponseActionSchema,
  RouteActionSchema,
  RouteSchema,
  type VirtualHost,
  VirtualHostSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { RouteConfigurationSchema } from '../../../generated/envoy/config/route/v3/route_pb.js';
import type { TranslateContext } from '../context.js';
import { type InboundPort, inboundPorts } from '../inbound-ports.js';
import { inboundClusterName, VIRTUAL_INBOUND } from '../names.js';
import { socketAddress } from '../pb.js';
import { routeMatch } from '../route/match.js';
import { applyTimeout } from '../route/timeout.js';
import { type EffectiveMtls, effectiveMtls, type MtlsMode } from '../security/peer-authn.js';
import { httpConnectionManager, tcpProxyFilters, tlsInspector } from './filters.js';
import {
  acceptsPlaintext,
  acceptsTls,
  type ChainVariant,
  chainVariants,
  ISTIO_MTLS_ALPN,
  inboundMtlsTransportSocket,
  TRANSPORT_RAW,
  TRANSPORT_TLS,
} from './inbound-tls.js';

/** Istio's inbound capture port. */
export const VIRTUAL_INBOUND_PORT = 15006;

type Variant = ChainVariant;

function inboundVirtualHost(port: InboundPort, domains: string[]): VirtualHost {
  const action = create(RouteActionSchema, {
    clusterSpecifier: { case: 'cluster', value: inboundClusterName(port.servicePort) },
  });
  applyTimeout(action, undefined);
  return create(VirtualHostSchema, {
    name: `inbound|http|${port.servicePort}`,
    domains,
    routes: [
      create(RouteSchema, {
        name: 'default',
        match: routeMatch(undefined),
        action: { case: 'route', value: action },
      }),
    ],
  });
}

/** A port this chain's transport may not reach (local mode shares one listener): a 403 saying why. */
function refusedVirtualHost(name: string, port: number, domains: string[], overTls: boolean): VirtualHost {
  const why = overTls
    ? `port ${port} does not accept mutual TLS (PeerAuthentication mode DISABLE)`
    : `port ${port} requires mutual TLS (PeerAuthentication mode STRICT)`;
  return create(VirtualHostSchema, {
    name,
    domains,
    routes: [
      create(RouteSchema, {
        name: 'refused',
        match: routeMatch(undefined),
        action: {
          case: 'directResponse',
          value: create(DirectResponseActionSchema, {
            status: 403,
            body: create(DataSourceSchema, { specifier: { case: 'inlineString', value: `${why}\n` } }),
          }),
        },
      }),
    ],
  });
}

/** The name of a chain's mTLS (or TLS passthrough) variant. */
const suffixed = (name: string, suffix: string) =>
  name.endsWith('|') ? `${name}${suffix}` : `${name}|${suffix}`;
const variantName = (name: string, v: Variant) =>
  v.tls ? suffixed(name, 'mtls') : v.passthrough ? suffixed(name, 'passthrough') : name;

/** Name, transport match and TLS termination of one variant of a chain. */
function chainFor(name: string, variant: Variant, http: boolean, destinationPort?: number): FilterChain {
  const chain = create(FilterChainSchema, { name: variantName(name, variant) });
  if (destinationPort !== undefined || variant.transport !== undefined) {
    chain.filterChainMatch = create(FilterChainMatchSchema, {
      ...(destinationPort !== undefined ? { destinationPort } : {}),
      ...(variant.transport !== undefined ? { transportProtocol: variant.transport } : {}),
      ...(variant.alpn !== undefined ? { applicationProtocols: [...variant.alpn] } : {}),
    });
  }
  if (variant.tls) chain.transportSocket = inboundMtlsTransportSocket(http);
  return chain;
}

function httpChain(
  name: string,
  statPrefix: string,
  vhosts: VirtualHost[],
  variant: Variant,
  destinationPort?: number,
): FilterChain {
  const chain = chainFor(name, variant, true, destinationPort);
  chain.filters = [
    httpConnectionManager({
      statPrefix,
      routes: {
        inline: create(RouteConfigurationSchema, { name, virtualHosts: vhosts, validateClusters: false }),
      },
      metadataExchange: 'inbound',
    }),
  ];
  return chain;
}

function tcpChain(name: string, cluster: string, variant: Variant, destinationPort?: number): FilterChain {
  const chain = chainFor(name, variant, false, destinationPort);
  chain.filters = tcpProxyFilters('inbound', cluster, cluster);
  return chain;
}

/**
 * The mode of one served port: portLevelMtls keys are workload ports (the port the app listens on); a key
 * naming the service port is honoured too, since in local mode app ports are often picked at start-up.
 */
export function inboundPortMode(m: EffectiveMtls, port: InboundPort): MtlsMode {
  return m.perPort.get(port.appPort) ?? m.perPort.get(port.servicePort) ?? m.mode;
}

/** Local mode: one listener for every port, routed by the Host header's port. */
function localChains(ports: InboundPort[], modeOf: (p: InboundPort) => MtlsMode, localPort: number) {
  const http = ports.filter((p) => p.http);
  const name = `inbound|${localPort}`;
  if (http.length === 0) {
    const cluster = inboundClusterName(ports[0].servicePort);
    return chainVariants(modeOf(ports[0])).map((v) => tcpChain(cluster, cluster, v));
  }
  const modes = new Map(http.map((p) => [p, modeOf(p)]));
  const statPrefix = `inbound_${localPort}`;
  const routed = (allowed: (p: InboundPort) => boolean, overTls: boolean): VirtualHost[] => {
    const vhosts = http.map((p) =>
      allowed(p)
        ? inboundVirtualHost(p, [`*:${p.servicePort}`])
        : refusedVirtualHost(`inbound|http|${p.servicePort}`, p.servicePort, [`*:${p.servicePort}`], overTls),
    );
    const first = http[0];
    const fallback = allowed(first)
      ? inboundVirtualHost(first, ['*'])
      : refusedVirtualHost('', first.servicePort, ['*'], overTls);
    fallback.name = 'inbound|http|default';
    vhosts.push(fallback);
    return vhosts;
  };
  const all = [...modes.values()];
  if (all.every((m) => m === 'DISABLE'))
    return [
      httpChain(
        name,
        statPrefix,
        routed(() => true, false),
        { tls: false },
      ),
    ];
  const chains: FilterChain[] = [];
  // A PERMISSIVE port: Istio's mTLS only for clients offering Istio's ALPN; other TLS passes through to the
  // first such port's app (one listener cannot see the Host of an encrypted request).
  const permissive = http.find((p) => acceptsTls(modes.get(p)!) && acceptsPlaintext(modes.get(p)!));
  if (all.some(acceptsTls)) {
    const allowed = (p: InboundPort) => acceptsTls(modes.get(p)!);
    chains.push(
      httpChain(name, statPrefix, routed(allowed, true), {
        tls: true,
        transport: TRANSPORT_TLS,
        ...(permissive ? { alpn: ISTIO_MTLS_ALPN } : {}),
      }),
    );
  }
  if (permissive) {
    const cluster = inboundClusterName(permissive.servicePort);
    chains.push(tcpChain(name, cluster, { tls: false, transport: TRANSPORT_TLS, passthrough: true }));
  }
  // With every port STRICT there is no plain chain: a plain-text connection matches nothing and is closed.
  if (all.some(acceptsPlaintext)) {
    const allowed = (p: InboundPort) => acceptsPlaintext(modes.get(p)!);
    chains.push(
      httpChain(name, statPrefix, routed(allowed, false), { tls: false, transport: TRANSPORT_RAW }),
    );
  }
  return chains;
}

/** Istio's shape: chains per served port, matched on the original destination port. */
function capturedChains(ports: InboundPort[], modeOf: (p: InboundPort) => MtlsMode): FilterChain[] {
  return ports.flatMap((p) => {
    const cluster = inboundClusterName(p.servicePort);
    return chainVariants(modeOf(p)).map((v) =>
      p.http && !v.passthrough
        ? httpChain(cluster, `inbound_0.0.0.0_${p.servicePort}`, [inboundVirtualHost(p, ['*'])], v, p.appPort)
        : tcpChain(cluster, cluster, v, p.appPort),
    );
  });
}

export function inboundListeners(ctx: TranslateContext): Listener[] {
  if (ctx.proxy.type !== 'sidecar') return [];
  const ports = inboundPorts(ctx);
  if (ports.length === 0) return [];
  const mtls = effectiveMtls(ctx.snapshot, ctx.proxy.namespace, ctx.proxy.labels);
  const modeOf = ctx.snapshot.mesh.meshMtls
    ? (p: InboundPort) => inboundPortMode(mtls, p)
    : (): MtlsMode => 'DISABLE';
  const local = ctx.proxy.inbound;
  const chains = local ? localChains(ports, modeOf, local.port) : capturedChains(ports, modeOf);
  const listener = create(ListenerSchema, {
    name: VIRTUAL_INBOUND,
    address: local
      ? socketAddress(local.address, local.port)
      : socketAddress('0.0.0.0', VIRTUAL_INBOUND_PORT),
    trafficDirection: TrafficDirection.INBOUND,
    filterChains: chains,
  });
  if (!local) listener.useOriginalDst = true;
  if (chains.some((c) => c.filterChainMatch?.transportProtocol)) listener.listenerFilters = [tlsInspector()];
  return [listener];
}
