// Every listener a proxy gets: sidecars their outbound and inbound listeners, routers their gateway ports.
import type { Listener } from '../../../generated/envoy/config/listener/v3/listener_pb.js';
import type { TranslateContext } from '../context.js';
import { gatewayListeners } from './gateway.js';
import { inboundListeners } from './inbound.js';
import { outboundListeners } from './outbound.js';

export function listenersFor(ctx: TranslateContext): Listener[] {
  if (ctx.proxy.type === 'router') return gatewayListeners(ctx);
  return [...outboundListeners(ctx), ...inboundListeners(ctx)];
}
