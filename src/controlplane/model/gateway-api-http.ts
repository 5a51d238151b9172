// One Gateway API HTTPRoute rule → VirtualService HTTP routes (Istio's conversion): matches, weighted
// backends as `<name>.<ns>.svc.<domain>`, and the header, redirect, rewrite and mirror filters.
import type {
  HeaderModifier,
  HTTPMatchRequest,
  HTTPRoute,
  HTTPRouteDestination,
  HTTPRouteMatch,
  HTTPRouteRule,
} from '../../api/index.js';
import { type RefContext, type RouteError, resolveBackend } from './gateway-api-refs.js';

type Headers = NonNullable<HTTPRoute['headers']>;
type HeaderOps = NonNullable<Headers['request']>;
type Filter = NonNullable<HTTPRouteRule['filters']>[number];

export interface RuleContext {
  /** Internal gateway keys (`ns/name`) this route attached to; set as each match's `gateways`. */
  gateways: string[];
  /** Route name prefix, e.g. `default.payment-route.0`. */
  name: string;
  /** Resolves backendRefs (ReferenceGrants, existence) for the route's kind and namespace. */
  refs: RefContext;
  /** Collects the route's reference problems (its ResolvedRefs status). */
  errors: RouteError[];
}

/** A backendRef's host, or undefined (with the problem recorded) when it cannot be used. */
export function backendHost(ref: BackendLike, ctx: RuleContext): string | undefined {
  const { host, error } = resolveBackend(ref, ctx.refs);
  if (error) ctx.errors.push(error);
  return host;
}

export type BackendLike = { group?: string; kind?: string; name: string; namespace?: string; port?: number };

function headerOps(m: HeaderModifier | undefined): HeaderOps | undefined {
  if (!m) return undefined;
  const out: HeaderOps = {};
  if (m.set?.length) out.set = Object.fromEntries(m.set.map((h) => [h.name, h.value]));
  if (m.add?.length) out.add = Object.fromEntries(m.add.map((h) => [h.name, h.value]));
  if (m.remove?.length) out.remove = m.remove;
  return out;
}

function headersOf(filters: readonly Filter[] | undefined): Headers | undefined {
  const req = filters?.find((f) => f.type === 'RequestHeaderModifier')?.requestHeaderModifier;
  const res = filters?.find((f) => f.type === 'ResponseHeaderModifier')?.responseHeaderModifier;
  if (!req && !res) return undefined;
  const out: Headers = {};
  const request = headerOps(req);
  const response = headerOps(res);
  if (request) out.request = request;
  if (response) out.response = response;
  return out;
}

export function destination(
  ref: BackendLike & { weight?: number; filters?: readonly Filter[] },
  ctx: RuleContext,
): HTTPRouteDestination | undefined {
  const host = backendHost(ref, ctx);
  if (!host) return undefined;
  const out: HTTPRouteDestination = {
    destination: ref.port === undefined ? { host } : { host, port: { number: ref.port } },
    weight: ref.weight ?? 1,
  };
  const headers = headersOf(ref.filters);
  if (headers) out.headers = headers;
  return out;
}

/**
 * One Gateway API match → VirtualService matches. PathPrefix is element-wise (`/a` matches `/a` and `/a/b`,
 * not `/ab`), so, as Istio did before Envoy had path-separated prefixes, it becomes an exact match plus a
 * prefix match on the value with a trailing `/`. The second element says which kind each one is.
 */
function matchesOf(
  m: HTTPRouteMatch,
  gateways: string[],
): [HTTPMatchRequest, 'exact' | 'prefix' | 'regex'][] {
  const base: HTTPMatchRequest = { gateways };
  if (m.headers?.length) {
    base.headers = Object.fromEntries(
      m.headers.map((h) => [
        h.name.toLowerCase(),
        h.type === 'RegularExpression' ? { regex: h.value } : { exact: h.value },
      ]),
    );
  }
  if (m.queryParams?.length) {
    base.queryParams = Object.fromEntries(
      m.queryParams.map((q) => [
        q.name,
        q.type === 'RegularExpression' ? { regex: q.value } : { exact: q.value },
      ]),
    );
  }
  if (m.method) base.method = { exact: m.method };
  const path = m.path ?? { type: 'PathPrefix', value: '/' };
  const value = path.value ?? '/';
  if (path.type === 'Exact') return [[{ ...base, uri: { exact: value } }, 'exact']];
  if (path.type === 'RegularExpression') return [[{ ...base, uri: { regex: value } }, 'regex']];
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return [[{ ...base, uri: { prefix: '/' } }, 'prefix']];
  return [
    [{ ...base, uri: { exact: trimmed } }, 'exact'],
    [{ ...base, uri: { prefix: `${trimmed}/` } }, 'prefix'],
  ];
}

/** Filters that shape the whole route (redirect, rewrite, mirror, header edits) applied to `route`. */
export function applyFilters(
  route: HTTPRoute,
  filters: readonly Filter[],
  kind: 'exact' | 'prefix' | 'regex',
  ctx: RuleContext,
): void {
  const headers = headersOf(filters);
  if (headers) route.headers = headers;
  for (const f of filters) {
    if (f.type === 'RequestRedirect' && f.requestRedirect) {
      const r = f.requestRedirect;
      // Gateway API's default redirect code is 302 (Istio's VirtualService default is 301).
      route.redirect = { redirectCode: r.statusCode ?? 302 };
      if (r.scheme) route.redirect.scheme = r.scheme;
      if (r.hostname) route.redirect.authority = r.hostname;
      if (r.port !== undefined) route.redirect.port = r.port;
      if (r.path?.type === 'ReplaceFullPath' && r.path.replaceFullPath !== undefined)
        route.redirect.uri = r.path.replaceFullPath;
    } else if (f.type === 'URLRewrite' && f.urlRewrite) {
      const rw: NonNullable<HTTPRoute['rewrite']> = {};
      if (f.urlRewrite.hostname) rw.authority = f.urlRewrite.hostname;
      const p = f.urlRewrite.path;
      if (p?.type === 'ReplaceFullPath' && p.replaceFullPath !== undefined) {
        rw.uriRegexRewrite = { match: '^.*$', rewrite: p.replaceFullPath };
      } else if (p?.type === 'ReplacePrefixMatch' && p.replacePrefixMatch !== undefined) {
        // The prefix half matched `<prefix>/`: keep the separator so `/a/b` → `<new>/b`.
        const to = p.replacePrefixMatch;
        rw.uri = kind === 'prefix' && !to.endsWith('/') ? `${to}/` : to;
      }
      route.rewrite = rw;
    } else if (f.type === 'RequestMirror' && f.requestMirror) {
      const ref = f.requestMirror.backendRef;
      const host = backendHost(ref, ctx);
      if (!host) continue;
      const fraction = f.requestMirror.fraction;
      const value =
        f.requestMirror.percent ??
        (fraction ? (100 * fraction.numerator) / (fraction.denominator ?? 100) : 100);
      route.mirrors ??= [];
      route.mirrors.push({
        destination: ref.port === undefined ? { host } : { host, port: { number: ref.port } },
        percentage: { value },
      });
    }
  }
}

/** rule.retry and timeouts.backendRequest → VirtualService retries (status codes become retry conditions). */
function retriesOf(rule: HTTPRouteRule): HTTPRoute['retries'] {
  const r = rule.retry;
  const perTry = rule.timeouts?.backendRequest;
  if (!r && !perTry) return undefined;
  const out: NonNullable<HTTPRoute['retries']> = {};
  if (r?.attempts !== undefined) out.attempts = r.attempts;
  if (r?.codes?.length) out.retryOn = r.codes.join(',');
  if (r?.backoff) out.backoff = r.backoff;
  if (perTry) out.perTryTimeout = perTry;
  return out;
}

/** A VirtualService HTTP route per expanded match of `rule`, each paired with the Gateway API match it came from. */
export function ruleRoutes(
  rule: HTTPRouteRule,
  ctx: RuleContext,
): { route: HTTPRoute; match: HTTPRouteMatch }[] {
  const matches: HTTPRouteMatch[] = rule.matches?.length
    ? rule.matches
    : [{ path: { type: 'PathPrefix', value: '/' } }];
  const filters = rule.filters ?? [];
  const redirects = filters.some((f) => f.type === 'RequestRedirect');
  const dests = (rule.backendRefs ?? [])
    .filter((b) => (b.weight ?? 1) > 0)
    .map((b) => destination(b, ctx))
    .filter((d): d is HTTPRouteDestination => d !== undefined);
  const out: { route: HTTPRoute; match: HTTPRouteMatch }[] = [];
  matches.forEach((m, mi) => {
    for (const [vsMatch, kind] of matchesOf(m, ctx.gateways)) {
      const route: HTTPRoute = { name: `${ctx.name}.${mi}`, match: [vsMatch] };
      applyFilters(route, filters, kind, ctx);
      if (!redirects) {
        // No usable backend (none listed, all weight 0, or unknown kinds): Gateway API answers 500.
        if (dests.length === 0) route.directResponse = { status: 500 };
        else route.route = dests;
        if (rule.timeouts?.request) route.timeout = rule.timeouts.request;
        const retries = retriesOf(rule);
        if (retries) route.retries = retries;
      } else delete route.rewrite;
      out.push({ route, match: m });
    }
  });
  return out;
}
