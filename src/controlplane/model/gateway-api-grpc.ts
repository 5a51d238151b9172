// One Gateway API GRPCRoute rule → VirtualService HTTP routes, as Istio converts it: a method match becomes a
// path match on `/<service>/<method>` (exact, a `/<service>/` prefix, or a regex), headers match as in HTTP,
// weighted backends, and the header and mirror filters.
import type {
  GRPCRouteRule,
  HTTPMatchRequest,
  HTTPRoute,
  HTTPRouteMatch,
  StringMatch,
} from '../../api/index.js';
import { applyFilters, destination, type RuleContext } from './gateway-api-http.js';

type GrpcMatch = NonNullable<GRPCRouteRule['matches']>[number];
type Filter = NonNullable<GRPCRouteRule['filters']>[number];

/** The path a method match selects, and the Gateway API path match it ranks like (for route precedence). */
export function grpcPath(m: GrpcMatch['method']): { uri?: StringMatch; rank: HTTPRouteMatch['path'] } {
  if (!m || (!m.service && !m.method)) return { rank: { type: 'PathPrefix', value: '/' } };
  const regex = m.type === 'RegularExpression';
  if (m.service && m.method) {
    const value = `/${m.service}/${m.method}`;
    return regex
      ? { uri: { regex: value }, rank: { type: 'RegularExpression', value } }
      : { uri: { exact: value }, rank: { type: 'Exact', value } };
  }
  if (m.service) {
    if (regex) {
      const value = `/${m.service}/.+`;
      return { uri: { regex: value }, rank: { type: 'RegularExpression', value } };
    }
    const value = `/${m.service}/`;
    return { uri: { prefix: value }, rank: { type: 'PathPrefix', value } };
  }
  // Any service, this method.
  const value = `/[^/]+/${m.method}`;
  return { uri: { regex: value }, rank: { type: 'RegularExpression', value } };
}

const SUPPORTED_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror']);

/** A VirtualService HTTP route per match of `rule` (one match-all route without matches). */
export function grpcRuleRoutes(
  rule: GRPCRouteRule,
  ctx: RuleContext,
): { route: HTTPRoute; match: HTTPRouteMatch }[] {
  const filters: Filter[] = [];
  for (const f of rule.filters ?? []) {
    if (SUPPORTED_FILTERS.has(f.type)) filters.push(f);
    else ctx.errors.push({ reason: 'InvalidFilter', message: `unsupported filter type "${f.type}"` });
  }
  const dests = (rule.backendRefs ?? [])
    .filter((b) => (b.weight ?? 1) > 0)
    .map((b) => destination(b, ctx))
    .filter((d) => d !== undefined);
  const matches: (GrpcMatch | undefined)[] = rule.matches?.length ? rule.matches : [undefined];
  return matches.map((m, mi) => {
    const { uri, rank } = grpcPath(m?.method);
    const vsMatch: HTTPMatchRequest = { gateways: ctx.gateways };
    if (uri) vsMatch.uri = uri;
    if (m?.headers?.length) {
      vsMatch.headers = Object.fromEntries(
        m.headers.map((h) => [
          h.name.toLowerCase(),
          h.type === 'RegularExpression' ? { regex: h.value } : { exact: h.value },
        ]),
      );
    }
    const route: HTTPRoute = { name: `${ctx.name}.${mi}`, match: [vsMatch] };
    applyFilters(route, filters, 'exact', ctx);
    // No usable backend (none listed, all weight 0, or refused): Gateway API answers 500.
    if (dests.length === 0) route.directResponse = { status: 500 };
    else route.route = dests;
    return { route, match: { path: rank, headers: m?.headers } };
  });
}
