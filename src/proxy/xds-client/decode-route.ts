// Decodes Envoy's RouteConfiguration (virtual hosts, routes, per-filter overrides) into the router's
// RouteConfiguration; anything Trellis does not implement is an error naming the field.
import type { MessageShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { childPath, type Result } from '../../common/result.js';
import {
  type Route,
  RouteSchema,
  type VirtualHost,
  VirtualHost_TlsRequirementType,
  VirtualHostSchema,
} from '../../generated/envoy/config/route/v3/route_components_pb.js';
import {
  type RouteConfiguration,
  RouteConfigurationSchema,
} from '../../generated/envoy/config/route/v3/route_pb.js';
import type {
  Route as DomainRoute,
  RouteConfiguration as DomainRouteConfiguration,
  VirtualHost as DomainVirtualHost,
  PerFilterConfig,
} from '../config/route.js';
import { decodeHeaderOps } from './decode-common.js';
import { DecodeContext, type DecodeOptions, NOT_SUPPORTED } from './decode-context.js';
import { checkHttpFilterSettings } from './decode-http-filters.js';
import {
  decodeCorsPolicy,
  decodeDirectResponse,
  decodeForwardAction,
  decodeRedirectAction,
  decodeRetryPolicy,
} from './decode-route-action.js';
import { decodeRouteMatch } from './decode-route-match.js';
import { typeNameOfUrl } from './registry.js';

/**
 * typed_per_filter_config: each override kept as its decoded JSON (with `@type`) for the filter to read;
 * fault and local_ratelimit overrides are checked now, so a bad one NACKs the resource.
 */
export function decodePerFilterConfig(
  ctx: DecodeContext,
  m: { [name: string]: Any },
  path: string,
): PerFilterConfig {
  const out: PerFilterConfig = {};
  for (const [name, any] of Object.entries(m)) {
    const p = childPath(childPath(path, 'typed_per_filter_config'), name);
    const json = ctx.anyToJson(any, p);
    if (json === undefined) continue;
    checkHttpFilterSettings(ctx, typeNameOfUrl(any.typeUrl), json, p);
    out[name] = json;
  }
  return out;
}

function decodeRoute(ctx: DecodeContext, r: Route, path: string): DomainRoute {
  // metadata and decorator only feed logs and traces; accepted so Istio-style routes load unchanged.
  ctx.onlyFields(RouteSchema, r, path, [
    'name',
    'match',
    'route',
    'redirect',
    'direct_response',
    'metadata',
    'decorator',
    'typed_per_filter_config',
    'request_headers_to_add',
    'request_headers_to_remove',
    'response_headers_to_add',
    'response_headers_to_remove',
  ]);
  if (r.match === undefined) ctx.error(childPath(path, 'match'), 'required');
  const match = r.match
    ? decodeRouteMatch(ctx, r.match, childPath(path, 'match'))
    : {
        path: { kind: 'prefix' as const, value: '/' },
        caseSensitive: true,
        headers: [],
        queryParameters: [],
        grpc: false,
      };
  let action: DomainRoute['action'];
  switch (r.action.case) {
    case 'route':
      action = decodeForwardAction(ctx, r.action.value, childPath(path, 'route'));
      break;
    case 'redirect':
      action = decodeRedirectAction(ctx, r.action.value, childPath(path, 'redirect'));
      break;
    case 'directResponse':
      action = decodeDirectResponse(ctx, r.action.value, childPath(path, 'direct_response'));
      break;
    default:
      if (r.action.case !== undefined) {
        ctx.error(
          childPath(path, r.action.case === 'filterAction' ? 'filter_action' : 'non_forwarding_action'),
          NOT_SUPPORTED,
        );
      } else ctx.error(path, 'one of route, redirect or direct_response is required');
      action = { kind: 'direct', status: 500 };
  }
  return {
    name: r.name,
    match,
    action,
    headers: decodeHeaderOps(ctx, r, path),
    perFilterConfig: decodePerFilterConfig(ctx, r.typedPerFilterConfig, path),
  };
}

function decodeVirtualHost(ctx: DecodeContext, v: VirtualHost, path: string): DomainVirtualHost {
  ctx.onlyFields(VirtualHostSchema, v, path, [
    'name',
    'domains',
    'routes',
    'require_tls',
    'request_headers_to_add',
    'request_headers_to_remove',
    'response_headers_to_add',
    'response_headers_to_remove',
    'cors',
    'typed_per_filter_config',
    'retry_policy',
    'metadata',
  ]);
  if (v.requireTls !== VirtualHost_TlsRequirementType.NONE)
    ctx.error(childPath(path, 'require_tls'), NOT_SUPPORTED);
  if (v.name === '') ctx.error(childPath(path, 'name'), 'required');
  if (v.domains.length === 0) ctx.error(childPath(path, 'domains'), 'at least one domain is required');
  v.domains.forEach((d, i) => {
    if (d === '' || (d.includes('*') && d !== '*' && !d.startsWith('*') && !d.endsWith('*'))) {
      ctx.error(
        childPath(childPath(path, 'domains'), i),
        `invalid domain "${d}": a wildcard may only lead or trail`,
      );
    }
  });
  const vh: DomainVirtualHost = {
    name: v.name,
    domains: v.domains.map((d) => d.toLowerCase()),
    routes: v.routes.map((r, i) => decodeRoute(ctx, r, childPath(childPath(path, 'routes'), i))),
    headers: decodeHeaderOps(ctx, v, path),
    perFilterConfig: decodePerFilterConfig(ctx, v.typedPerFilterConfig, path),
  };
  if (v.retryPolicy !== undefined)
    vh.retryPolicy = decodeRetryPolicy(ctx, v.retryPolicy, childPath(path, 'retry_policy'));
  if (v.cors !== undefined) vh.cors = decodeCorsPolicy(ctx, v.cors, childPath(path, 'cors'));
  return vh;
}

/** Decodes into an existing context (used for route configs inline in a connection manager). */
export function decodeRouteConfigurationInto(
  ctx: DecodeContext,
  rc: MessageShape<typeof RouteConfigurationSchema>,
  path: string,
): DomainRouteConfiguration {
  // validate_clusters only makes Envoy reject routes to unknown clusters; max_direct_response_body_size_bytes
  // bounds file bodies read at load. Neither changes how a request is served.
  ctx.onlyFields(RouteConfigurationSchema, rc, path, [
    'name',
    'virtual_hosts',
    'request_headers_to_add',
    'request_headers_to_remove',
    'response_headers_to_add',
    'response_headers_to_remove',
    'validate_clusters',
    'max_direct_response_body_size_bytes',
    'metadata',
  ]);
  const names = new Set<string>();
  const virtualHosts = rc.virtualHosts.map((v, i) => {
    const vp = childPath(childPath(path, 'virtual_hosts'), i);
    if (names.has(v.name)) ctx.error(childPath(vp, 'name'), `duplicate virtual host name "${v.name}"`);
    names.add(v.name);
    return decodeVirtualHost(ctx, v, vp);
  });
  const domains = new Map<string, number>();
  virtualHosts.forEach((vh, i) => {
    for (const d of vh.domains) {
      const first = domains.get(d);
      if (first !== undefined) {
        ctx.error(
          childPath(childPath(path, 'virtual_hosts'), i),
          `domain "${d}" is also in virtual_hosts[${first}]`,
        );
      } else domains.set(d, i);
    }
  });
  return { name: rc.name, virtualHosts, headers: decodeHeaderOps(ctx, rc, path) };
}

/** Decodes one RDS resource (or a route config given by the caller) into the router's form. */
export function decodeRouteConfiguration(
  rc: RouteConfiguration,
  options?: DecodeOptions,
): Result<DomainRouteConfiguration> {
  const ctx = new DecodeContext(options);
  const value = decodeRouteConfigurationInto(ctx, rc, '');
  return ctx.result(value);
}
