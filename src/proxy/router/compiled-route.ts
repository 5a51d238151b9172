// One route compiled for the hot path: a path predicate, header/query predicates, the chosen action with
// its rewrites and header edits flattened from all levels, and the upgrade types it allows.
import type RE2 from 're2';
import RE2Ctor from 're2';
import type { CorsPolicy, RedirectAction, Route, RouteConfiguration, VirtualHost } from '../config/route.js';
import { type CompiledHeaderOps, compileHeaderOps } from './header-ops.js';
import { compileHeaderMatch, type HeaderPredicate } from './request-match.js';
import { CompiledRetryPolicy } from './retry-state.js';
import { compileFullRegex, compileStringMatch, type StringPredicate } from './string-matcher.js';

export enum ActionKind {
  Forward = 0,
  Redirect = 1,
  Direct = 2,
}

export interface WeightedTarget {
  name: string;
  /** Cumulative weight bound: pick the first target with random·total < cumulative. */
  cumulative: number;
  requestOps: CompiledHeaderOps;
  responseOps: CompiledHeaderOps;
  /** This cluster's host_rewrite_literal; undefined: the route's rewrite, if any, applies. */
  hostRewrite: string | undefined;
}

export interface CompiledRoute {
  name: string;
  vhostName: string;
  route: Route;
  matchPath: (path: string) => boolean;
  /** Length of the matched prefix for prefix rewrites (prefix/path matches), -1 otherwise. */
  prefixLength: number;
  grpcOnly: boolean;
  headerMatchers: HeaderPredicate[];
  queryMatchers: { name: string; test: StringPredicate | undefined }[];
  fraction: number | undefined;
  kind: ActionKind;
  /** Forward: single cluster name, or '' when weighted. */
  cluster: string;
  weighted: WeightedTarget[];
  totalWeight: number;
  timeoutMs: number;
  /** timeoutMs as header text, made once. */
  timeoutText: string;
  grpcTimeoutHeaderMaxMs: number | undefined;
  prefixRewrite: string | undefined;
  regexRewrite: { re: RE2; substitution: string } | undefined;
  hostRewrite: string | undefined;
  autoHostRewrite: boolean;
  upgrades: ReadonlySet<string>;
  /** The route's retry policy, else its virtual host's, compiled once. */
  retryPolicy: CompiledRetryPolicy | undefined;
  /** Request/response header edits of route, virtual host and route configuration (weighted levels apart). */
  requestOps: CompiledHeaderOps;
  responseOps: CompiledHeaderOps;
  redirect: RedirectAction | undefined;
  directStatus: number;
  directBody: string;
  /** The CORS policy: the route's own, else its virtual host's (Envoy's most specific one). */
  cors: CorsPolicy | undefined;
}

function compilePath(route: Route): { test: (p: string) => boolean; prefixLength: number } {
  const m = route.match;
  const cs = m.caseSensitive;
  switch (m.path.kind) {
    case 'prefix': {
      const v = cs ? m.path.value : m.path.value.toLowerCase();
      if (v === '' || v === '/')
        return { test: v === '' ? () => true : (p) => p.charCodeAt(0) === 0x2f, prefixLength: v.length };
      return {
        test: cs ? (p) => p.startsWith(v) : (p) => p.toLowerCase().startsWith(v),
        prefixLength: v.length,
      };
    }
    case 'path': {
      const v = cs ? m.path.value : m.path.value.toLowerCase();
      return { test: cs ? (p) => p === v : (p) => p.toLowerCase() === v, prefixLength: v.length };
    }
    case 'separatedPrefix': {
      const v = m.path.value;
      const withSlash = v.endsWith('/') ? v : `${v}/`;
      return { test: (p) => p === v || p.startsWith(withSlash), prefixLength: v.length };
    }
    case 'regex': {
      const re = compileFullRegex(m.path.pattern);
      return { test: (p) => re.test(p), prefixLength: -1 };
    }
  }
}

/** Envoy's regex substitution uses \1 for groups; JavaScript's replace wants $1 (and $$ for a literal $). */
function toJsSubstitution(sub: string): string {
  return sub.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
}

export function compileRoute(route: Route, vh: VirtualHost, rc: RouteConfiguration): CompiledRoute {
  const path = compilePath(route);
  const a = route.action;
  const levels = [route.headers, vh.headers, rc.headers];
  const out: CompiledRoute = {
    name: route.name,
    vhostName: vh.name,
    route,
    matchPath: path.test,
    prefixLength: path.prefixLength,
    grpcOnly: route.match.grpc,
    headerMatchers: route.match.headers.map(compileHeaderMatch),
    queryMatchers: route.match.queryParameters.map((q) => ({
      name: q.name,
      test: q.match.kind === 'string' ? compileStringMatch(q.match.string) : undefined,
    })),
    fraction: route.match.fraction,
    kind: ActionKind.Direct,
    cluster: '',
    weighted: [],
    totalWeight: 0,
    timeoutMs: 0,
    timeoutText: '0',
    grpcTimeoutHeaderMaxMs: undefined,
    prefixRewrite: undefined,
    regexRewrite: undefined,
    hostRewrite: undefined,
    autoHostRewrite: false,
    upgrades: new Set(),
    retryPolicy: undefined,
    requestOps: compileHeaderOps(levels, 'request'),
    responseOps: compileHeaderOps(levels, 'response'),
    redirect: undefined,
    directStatus: 0,
    directBody: '',
    cors: (a.kind === 'forward' ? a.cors : undefined) ?? vh.cors,
  };
  if (a.kind === 'forward') {
    out.kind = ActionKind.Forward;
    if (a.target.kind === 'cluster') out.cluster = a.target.name;
    else {
      let cum = 0;
      for (const w of a.target.clusters) {
        if (w.weight <= 0) continue;
        cum += w.weight;
        out.weighted.push({
          name: w.name,
          cumulative: cum,
          requestOps: compileHeaderOps([w.headers], 'request'),
          responseOps: compileHeaderOps([w.headers], 'response'),
          hostRewrite: w.hostRewrite,
        });
      }
      out.totalWeight = cum;
    }
    out.timeoutMs = a.timeoutMs;
    out.timeoutText = String(a.timeoutMs);
    out.grpcTimeoutHeaderMaxMs = a.grpcTimeoutHeaderMaxMs;
    out.prefixRewrite = a.prefixRewrite;
    if (a.regexRewrite) {
      out.regexRewrite = {
        re: new RE2Ctor(a.regexRewrite.pattern, 'gu'),
        substitution: toJsSubstitution(a.regexRewrite.substitution),
      };
    }
    out.hostRewrite = a.hostRewrite;
    out.autoHostRewrite = a.autoHostRewrite;
    out.upgrades = new Set(a.upgrades.map((u) => u.toLowerCase()));
    const retry = a.retryPolicy ?? vh.retryPolicy;
    if (retry !== undefined) out.retryPolicy = new CompiledRetryPolicy(retry);
  } else if (a.kind === 'redirect') {
    out.kind = ActionKind.Redirect;
    out.redirect = a;
  } else {
    out.directStatus = a.status;
    out.directBody = a.body ?? '';
  }
  return out;
}

/** The path to send upstream after prefix/regex rewrites, or undefined when unchanged. */
export function rewritePath(r: CompiledRoute, fullPath: string): string | undefined {
  if (r.prefixRewrite === undefined && r.regexRewrite === undefined) return undefined;
  const q = fullPath.indexOf('?');
  const path = q < 0 ? fullPath : fullPath.slice(0, q);
  const query = q < 0 ? '' : fullPath.slice(q);
  let next: string;
  if (r.regexRewrite !== undefined) {
    next = path.replace(r.regexRewrite.re as unknown as RegExp, r.regexRewrite.substitution);
  } else if (r.prefixLength >= 0) {
    next = r.prefixRewrite + path.slice(r.prefixLength);
  } else return undefined;
  return next + query;
}

/** Picks a weighted target with `random` in [0, 1). */
export function pickWeighted(r: CompiledRoute, random: () => number): WeightedTarget {
  const x = random() * r.totalWeight;
  const w = r.weighted;
  for (let i = 0; i < w.length; i++) if (x < w[i].cumulative) return w[i];
  return w[w.length - 1];
}

/** The Location of a redirect response, built from the request and the redirect action. */
export function redirectLocation(
  a: RedirectAction,
  r: CompiledRoute,
  scheme: string,
  authority: string,
  fullPath: string,
): string {
  const sch = a.scheme ?? scheme;
  let host = authority;
  let port = '';
  const colon = authority.lastIndexOf(':');
  if (colon > 0 && authority.indexOf(']', colon) < 0) {
    host = authority.slice(0, colon);
    port = authority.slice(colon + 1);
  }
  if (a.host !== undefined) host = a.host;
  if (a.port !== undefined) port = a.port === 0 ? '' : String(a.port);
  if (a.scheme !== undefined && a.port === undefined && a.host === undefined) {
    if ((sch === 'https' && port === '80') || (sch === 'http' && port === '443')) port = '';
  }
  const q = fullPath.indexOf('?');
  let path = q < 0 ? fullPath : fullPath.slice(0, q);
  let query = q < 0 || a.stripQuery ? '' : fullPath.slice(q);
  if (a.path !== undefined) {
    const pq = a.path.indexOf('?');
    if (pq >= 0) {
      path = a.path.slice(0, pq);
      query = a.path.slice(pq);
    } else path = a.path;
  } else if (a.prefixRewrite !== undefined && r.prefixLength >= 0) {
    path = a.prefixRewrite + path.slice(r.prefixLength);
  }
  return `${sch}://${host}${port === '' ? '' : `:${port}`}${path}${query}`;
}
