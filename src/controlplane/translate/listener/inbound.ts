// The sidecar's inbound listener `virtualInbound`. Istio's shape (0.0.0.0:15006, one filter chain per served
// port matched by destination port) unless the node metadata gives TRELLIS_INBOUND_PORT: then one listener
// on that address whose HTTP routes pick the served port from the Host header's port (`*:<port>`), falling
// back to the lowest HTTP port; TCP-only workloads get a TCP proxy to their first port.
import { create } from '@bufbuild/protobuf';
import { TrafficDirection } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  type FilterChain,
  FilterChainMatchSchema,
  FilterChainSchema,
} from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import { type Listener, ListenerSchema } from '../../../generated/envoy/config/listener/v3/listener_pb.js';
import {
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
import { httpConnectionManager, tcpProxy } from './filters.js';

/** Istio's inbound capture port. */
export const VIRTUAL_INBOUND_PORT = 15006;

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

function httpChain(
  name: string,
  statPrefix: string,
  vhosts: VirtualHost[],
  destinationPort?: number,
): FilterChain {
  const chain = create(FilterChainSchema, {
    name,
    filters: [
      httpConnectionManager({
        statPrefix,
        routes: {
          inline: create(RouteConfigurationSchema, { name, virtualHosts: vhosts, validateClusters: false }),
        },
      }),
    ],
  });
  if (destinationPort !== undefined)
    chain.filterChainMatch = create(FilterChainMatchSchema, { destinationPort });
  return chain;
}

export function inboundListeners(ctx: TranslateContext): Listener[] {
  if (ctx.proxy.type !== 'sidecar') return [];
  const ports = inboundPorts(ctx);
  if (ports.length === 0) return [];
  const local = ctx.proxy.inbound;
  if (local) {
    const http = ports.filter((p) => p.http);
    const chains: FilterChain[] = [];
    if (http.length > 0) {
      const vhosts = http.map((p) => inboundVirtualHost(p, [`*:${p.servicePort}`]));
      const fallback = inboundVirtualHost(http[0], ['*']);
      fallback.name = 'inbound|http|default';
      vhosts.push(fallback);
      chains.push(httpChain(`inbound|${local.port}`, `inbound_${local.port}`, vhosts));
    } else {
      const cluster = inboundClusterName(ports[0].servicePort);
      chains.push(create(FilterChainSchema, { name: cluster, filters: [tcpProxy(cluster, cluster)] }));
    }
    return [
      create(ListenerSchema, {
        name: VIRTUAL_INBOUND,
        address: socketAddress(local.address, local.port),
        trafficDirection: TrafficDirection.INBOUND,
        filterChains: chains,
      }),
    ];
  }
  const chains = ports.map((p) => {
    const cluster = inboundClusterName(p.servicePort);
    if (p.http)
      return httpChain(
        cluster,
        `inbound_0.0.0.0_${p.servicePort}`,
        [inboundVirtualHost(p, ['*'])],
        p.appPort,
      );
    return create(FilterChainSchema, {
      name: cluster,
      filterChainMatch: create(FilterChainMatchSchema, { destinationPort: p.appPort }),
      filters: [tcpProxy(cluster, cluster)],
    });
  });
  return [
    create(ListenerSchema, {
      name: VIRTUAL_INBOUND,
      address: socketAddress('0.0.0.0', VIRTUAL_INBOUND_PORT),
      useOriginalDst: true,
      trafficDirection: TrafficDirection.INBOUND,
      filterChains: chains,
    }),
  ];
}
