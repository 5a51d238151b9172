// Virtual hosts of outbound route configs: one per visible service port, with the routes of the
// VirtualService bound to `mesh` that covers the service's host (or Istio's default route).
import { create } from '@bufbuild/protobuf';
import { hostMatches } from '../../../api/host.js';
import type { Destination } from '../../../api/index.js';
import {
  type VirtualHost,
  VirtualHostSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import type { Service } from '../../model/service.js';
import type { IndexedVirtualService } from '../../model/snapshot.js';
import { configHost, gatewayKey } from '../../model/visibility.js';
import { effectivePolicy } from '../cluster/policy.js';
import type { TranslateContext } from '../context.js';
import { outboundClusterName, virtualHostName } from '../names.js';
import { expandDelegates } from './delegate.js';
import { serviceDomains } from './domains.js';
import { defaultRoute, httpRoutes, type RouteBuild } from './http-route.js';

/** The mesh VirtualService for a host: an exact host entry wins over the most specific wildcard. */
export function virtualServiceFor(
  list: readonly IndexedVirtualService[],
  host: string,
): IndexedVirtualService | undefined {
  let best: IndexedVirtualService | undefined;
  let bestLen = -1;
  for (const vs of list) {
    for (const h of vs.hosts) {
      if (h === host) return vs;
      if (hostMatches(h, host) && h.length > bestLen) {
        best = vs;
        bestLen = h.length;
      }
    }
  }
  return best;
}

/** Resolves destinations to cluster names, given where short names resolve and the current port. */
export function routeBuild(
  ctx: TranslateContext,
  gateway: string,
  port: number | undefined,
  namespace: string,
): RouteBuild {
  const portOf = (d: Destination, host: string): number => {
    if (d.port?.number) return d.port.number;
    const svc = ctx.snapshot.service(host);
    if (svc?.ports.length === 1) return svc.ports[0].port;
    if (port !== undefined && (!svc || svc.ports.some((p) => p.port === port))) return port;
    return svc?.ports[0]?.port ?? port ?? 80;
  };
  return {
    scope: { proxy: ctx.proxy, port, gateway, vsNamespace: namespace },
    clusterOf: (d) => {
      const host = configHost(d.host, namespace, ctx.domain);
      return outboundClusterName(portOf(d, host), d.subset ?? '', host);
    },
    lbOf: (d) => {
      const host = configHost(d.host, namespace, ctx.domain);
      return effectivePolicy(ctx.destinationRule(host)?.spec, portOf(d, host), undefined).loadBalancer;
    },
    gatewayKeyOf: (g) => gatewayKey(g, namespace),
  };
}

/** Translates a VirtualService's HTTP routes (delegates expanded) for one gateway/port. */
export function virtualServiceRoutes(
  ctx: TranslateContext,
  vs: IndexedVirtualService,
  gateway: string,
  port: number | undefined,
) {
  const ns = vs.resource.metadata.namespace;
  return expandDelegates(vs.resource.spec.http ?? [], ns, ctx.snapshot).flatMap((sr) =>
    httpRoutes(sr.route, routeBuild(ctx, gateway, port, sr.namespace)),
  );
}

export function serviceVirtualHost(
  ctx: TranslateContext,
  service: Service,
  port: number,
  meshVirtualServices: readonly IndexedVirtualService[],
  portQualifiedOnly: boolean,
): VirtualHost {
  const vs = virtualServiceFor(meshVirtualServices, service.hostname);
  const routes = vs
    ? virtualServiceRoutes(ctx, vs, 'mesh', port)
    : [
        defaultRoute(
          outboundClusterName(port, '', service.hostname),
          effectivePolicy(ctx.destinationRule(service.hostname)?.spec, port, undefined).loadBalancer,
        ),
      ];
  return create(VirtualHostSchema, {
    name: virtualHostName(service.hostname, port),
    domains: serviceDomains(service, port, ctx.proxy.namespace, ctx.domain, portQualifiedOnly),
    routes,
  });
}
