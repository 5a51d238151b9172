// Sidecar outbound listeners: Istio's per-port `0.0.0.0_<port>` (HTTP, RDS `<port>`) and `<vip>_<port>` (TCP)
// listeners reached by original-destination hand-off (bind_to_port false), `virtualOutbound` on 15001
// when the sidecar is not in local mode, and the local HTTP forward-proxy listener `http_proxy`.
import { create } from '@bufbuild/protobuf';
import { TrafficDirection } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  FilterChainMatchSchema,
  FilterChainSchema,
} from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import { type Listener, ListenerSchema } from '../../../generated/envoy/config/listener/v3/listener_pb.js';
import { isHttpProtocol } from '../../model/service.js';
import type { TranslateContext } from '../context.js';
import {
  HTTP_PROXY,
  outboundClusterName,
  outboundListenerName,
  outboundRouteName,
  PASSTHROUGH_CLUSTER,
  VIRTUAL_OUTBOUND,
} from '../names.js';
import { socketAddress } from '../pb.js';
import { applyTcpRoute, applyTlsRoute } from '../route/tcp.js';
import { httpConnectionManager, tcpProxyFilters, tlsInspector } from './filters.js';

/** Istio's outbound capture port. */
export const VIRTUAL_OUTBOUND_PORT = 15001;

export function outboundListeners(ctx: TranslateContext): Listener[] {
  const byName = new Map<string, Listener>();
  for (const svc of ctx.visibleServices()) {
    for (const sp of svc.ports) {
      if (isHttpProtocol(sp.protocol)) {
        const name = outboundListenerName('0.0.0.0', sp.port);
        if (byName.has(name)) continue;
        byName.set(
          name,
          create(ListenerSchema, {
            name,
            address: socketAddress('0.0.0.0', sp.port),
            bindToPort: false,
            trafficDirection: TrafficDirection.OUTBOUND,
            filterChains: [
              create(FilterChainSchema, {
                name: name,
                filters: [
                  httpConnectionManager({
                    statPrefix: `outbound_0.0.0.0_${sp.port}`,
                    routes: { rds: outboundRouteName(sp.port) },
                    metadataExchange: 'outbound',
                  }),
                ],
              }),
            ],
          }),
        );
      } else if ((sp.protocol === 'TLS' || sp.protocol === 'HTTPS') && svc.addresses.length === 0) {
        // TLS without a VIP: services share `0.0.0.0_<port>`, told apart by SNI (tls_inspector).
        const name = outboundListenerName('0.0.0.0', sp.port);
        let l = byName.get(name);
        if (!l) {
          l = create(ListenerSchema, {
            name,
            address: socketAddress('0.0.0.0', sp.port),
            bindToPort: false,
            trafficDirection: TrafficDirection.OUTBOUND,
            listenerFilters: [tlsInspector()],
          });
          byName.set(name, l);
        }
        if (l.listenerFilters.length === 0) continue; // the port is taken by HTTP or plain TCP
        const cluster = outboundClusterName(sp.port, '', svc.hostname);
        l.filterChains.push(
          create(FilterChainSchema, {
            name: `${name}|${svc.hostname}`,
            filterChainMatch: create(FilterChainMatchSchema, { serverNames: [svc.hostname] }),
            filters: tcpProxyFilters('outbound', cluster, cluster, (tp) =>
              applyTlsRoute(tp, ctx, svc, sp.port),
            ),
          }),
        );
      } else {
        const address = svc.addresses[0] ?? '0.0.0.0';
        const name = outboundListenerName(address, sp.port);
        if (byName.has(name)) continue;
        const cluster = outboundClusterName(sp.port, '', svc.hostname);
        const route = sp.protocol === 'TLS' || sp.protocol === 'HTTPS' ? applyTlsRoute : applyTcpRoute;
        byName.set(
          name,
          create(ListenerSchema, {
            name,
            address: socketAddress(address, sp.port),
            bindToPort: false,
            trafficDirection: TrafficDirection.OUTBOUND,
            filterChains: [
              create(FilterChainSchema, {
                name,
                filters: tcpProxyFilters('outbound', cluster, cluster, (tp) => route(tp, ctx, svc, sp.port)),
              }),
            ],
          }),
        );
      }
    }
  }
  const out = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  const local = ctx.proxy.outbound;
  if (local) {
    out.push(
      create(ListenerSchema, {
        name: HTTP_PROXY,
        address: socketAddress(local.address, local.port),
        trafficDirection: TrafficDirection.OUTBOUND,
        filterChains: [
          create(FilterChainSchema, {
            name: HTTP_PROXY,
            filters: [
              httpConnectionManager({
                statPrefix: HTTP_PROXY,
                routes: { rds: HTTP_PROXY },
                metadataExchange: 'outbound',
              }),
            ],
          }),
        ],
      }),
    );
  } else {
    out.push(
      create(ListenerSchema, {
        name: VIRTUAL_OUTBOUND,
        address: socketAddress('0.0.0.0', VIRTUAL_OUTBOUND_PORT),
        useOriginalDst: true,
        trafficDirection: TrafficDirection.OUTBOUND,
        defaultFilterChain: create(FilterChainSchema, {
          name: PASSTHROUGH_CLUSTER,
          filters: tcpProxyFilters('outbound', PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER),
        }),
      }),
    );
  }
  return out;
}
