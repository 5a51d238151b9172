// RDS for proxyless gRPC: the route config `outbound|<port>||<fqdn>` holds the service port's virtual host as
// sidecars get it (the mesh VirtualService's matches, weights, retries, timeouts, faults, built by the
// shared route builders), adapted to what gRPC implements: only forwarding routes, and a catch-all domain
// because the config belongs to one service port whatever name the client dialled.
import { create } from '@bufbuild/protobuf';
import {
  type VirtualHost,
  VirtualHostSchema,
} from '../../generated/envoy/config/route/v3/route_components_pb.js';
import {
  type RouteConfiguration,
  RouteConfigurationSchema,
} from '../../generated/envoy/config/route/v3/route_pb.js';
import type { TranslateContext } from '../translate/context.js';
import { serviceVirtualHost } from '../translate/route/virtual-host.js';
import { resolveClusterName } from './names.js';

/**
 * gRPC NACKs a route config with a redirect or direct-response route; those routes are left out (a call they
 * would have caught falls through to the next route, or fails with UNAVAILABLE "no matching route").
 */
function forGrpc(vh: VirtualHost): VirtualHost {
  const routes = vh.routes.filter((r) => r.action.case === 'route');
  const domains = vh.domains.includes('*') ? vh.domains : [...vh.domains, '*'];
  // The builders' messages are cached and shared across proxies: copy, never mutate.
  return create(VirtualHostSchema, { ...vh, domains, routes });
}

/** The route config for one `outbound|port||host` name, or undefined for names that are not a service port. */
export function grpcRouteConfig(ctx: TranslateContext, name: string): RouteConfiguration | undefined {
  const target = resolveClusterName(ctx, name);
  if (target?.subset !== '') return undefined;
  const meshVirtualServices = ctx.snapshot.virtualServices('mesh', ctx.proxy.namespace);
  const piece = serviceVirtualHost(ctx, target.service, target.port, meshVirtualServices, false);
  return create(RouteConfigurationSchema, { name, virtualHosts: [forGrpc(piece.message)] });
}

export function grpcRouteConfigs(
  ctx: TranslateContext,
  names: readonly string[] | undefined,
): RouteConfiguration[] {
  return [...new Set(names ?? [])].flatMap((n) => grpcRouteConfig(ctx, n) ?? []);
}
