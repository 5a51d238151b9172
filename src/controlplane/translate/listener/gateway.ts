// Gateway (router) listeners: one per HTTP server port of the Gateways selecting the proxy, named
// `0.0.0.0_<port>` as Istio does, bound to the gateway address, with RDS `http.<port>`.
import { create } from '@bufbuild/protobuf';
import { TrafficDirection } from '../../../generated/envoy/config/core/v3/base_pb.js';
import { FilterChainSchema } from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import { type Listener, ListenerSchema } from '../../../generated/envoy/config/listener/v3/listener_pb.js';
import type { TranslateContext } from '../context.js';
import { gatewayRouteName, outboundListenerName } from '../names.js';
import { socketAddress } from '../pb.js';
import { gatewayServers } from '../route/route-config.js';
import { httpConnectionManager } from './filters.js';

export function gatewayListeners(ctx: TranslateContext): Listener[] {
  if (ctx.proxy.type !== 'router') return [];
  const address = ctx.proxy.gatewayAddress ?? ctx.proxy.ips[0] ?? '0.0.0.0';
  const ports = [...new Set(gatewayServers(ctx).map((s) => s.port))].sort((a, b) => a - b);
  return ports.map((port) => {
    const name = outboundListenerName('0.0.0.0', port);
    return create(ListenerSchema, {
      name,
      address: socketAddress(address, port),
      trafficDirection: TrafficDirection.OUTBOUND,
      filterChains: [
        create(FilterChainSchema, {
          name,
          filters: [
            httpConnectionManager({
              statPrefix: `outbound_0.0.0.0_${port}`,
              routes: { rds: gatewayRouteName(port) },
              useRemoteAddress: true,
            }),
          ],
        }),
      ],
    });
  });
}
