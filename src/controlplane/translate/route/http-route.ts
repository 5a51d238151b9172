// One Istio HTTPRoute → Envoy routes (one per applicable match): the action (forward with destinations,
// rewrite, timeout, retries, mirrors, CORS, hash policy; or redirect; or direct response), header edits and
// the fault filter's per-route config.
import { create } from '@bufbuild/protobuf';
import type { Destination, HTTPMatchRequest, HTTPRoute, LoadBalancerSettings } from '../../../api/index.js';
import { MetadataSchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  type Route,
  RouteActionSchema,
  RouteSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { corsPolicy } from './cors.js';
import { FAULT_FILTER, faultConfig } from './fault.js';
import { hashPolicy } from './hash.js';
import { applyHeaders } from './headers.js';
import { appliesTo, type MatchScope, routeMatch } from './match.js';
import { mirrorPolicies } from './mirror.js';
import { retryPolicy } from './retry.js';
import { applyRewrite, directResponse, redirectAction } from './rewrite.js';
import { applyTimeout } from './timeout.js';
import { applyDestinations, type ClusterResolver } from './weight.js';

export interface RouteBuild {
  scope: MatchScope;
  clusterOf: ClusterResolver;
  /** The load balancer settings of a destination (for consistent-hash policies). */
  lbOf: (d: Destination) => LoadBalancerSettings | undefined;
  gatewayKeyOf: (g: string) => string;
}

function routeName(route: HTTPRoute, match: HTTPMatchRequest | undefined): string {
  if (route.name && match?.name) return `${route.name}.${match.name}`;
  return route.name ?? match?.name ?? '';
}

/**
 * Envoy routes for one HTTPRoute; empty when none of its matches applies to this caller. `config`: the
 * VirtualService's istioConfigPath, written to each route's `istio.config` metadata as istiod does (what
 * `proxy-config route` shows as VIRTUAL SERVICE).
 */
export function httpRoutes(route: HTTPRoute, build: RouteBuild, config?: string): Route[] {
  const matches: (HTTPMatchRequest | undefined)[] =
    route.match && route.match.length > 0
      ? route.match.filter((m) => appliesTo(m, build.scope, build.gatewayKeyOf))
      : [undefined];
  return matches.map((m) => translateRoute(route, m, build, config));
}

function translateRoute(
  route: HTTPRoute,
  match: HTTPMatchRequest | undefined,
  build: RouteBuild,
  config: string | undefined,
): Route {
  const out = create(RouteSchema, { name: routeName(route, match), match: routeMatch(match) });
  if (config) out.metadata = create(MetadataSchema, { filterMetadata: { istio: { config } } });
  const headerAuthority = applyHeaders(out, route.headers);
  if (route.redirect) {
    out.action = { case: 'redirect', value: redirectAction(route.redirect) };
  } else if (route.directResponse) {
    out.action = { case: 'directResponse', value: directResponse(route.directResponse) };
  } else {
    const action = create(RouteActionSchema, {});
    applyDestinations(action, route.route ?? [], build.clusterOf);
    // A `host` header edit rewrites the authority, as rewrite.authority does (which wins when both are set).
    if (headerAuthority) action.hostRewriteSpecifier = { case: 'hostRewriteLiteral', value: headerAuthority };
    applyRewrite(action, route.rewrite);
    applyTimeout(action, route.timeout);
    const retry = retryPolicy(route.retries);
    if (retry) action.retryPolicy = retry;
    action.requestMirrorPolicies = mirrorPolicies(route, build.clusterOf);
    if (route.corsPolicy) action.cors = corsPolicy(route.corsPolicy);
    const dests = route.route ?? [];
    if (dests.length > 0 && dests.every((d) => d.destination.host === dests[0].destination.host)) {
      const hp = hashPolicy(build.lbOf(dests[0].destination));
      if (hp) action.hashPolicy = [hp];
    }
    out.action = { case: 'route', value: action };
  }
  if (route.fault) {
    const fault = faultConfig(route.fault);
    if (fault) out.typedPerFilterConfig[FAULT_FILTER] = fault;
  }
  return out;
}

/** Istio's route for a service without a VirtualService: everything to its default cluster. */
export function defaultRoute(cluster: string, lb: LoadBalancerSettings | undefined): Route {
  const action = create(RouteActionSchema, { clusterSpecifier: { case: 'cluster', value: cluster } });
  applyTimeout(action, undefined);
  const retry = retryPolicy(undefined);
  if (retry) action.retryPolicy = retry;
  const hp = hashPolicy(lb);
  if (hp) action.hashPolicy = [hp];
  return create(RouteSchema, {
    name: 'default',
    match: routeMatch(undefined),
    action: { case: 'route', value: action },
  });
}
