// Envoy's CORS filter (envoy.filters.http.cors) for the runtime: finds the policy of the matched route or
// its virtual host, answers preflight requests from allowed origins locally, and adds the
// access-control-* headers to responses of actual cross-origin requests from allowed origins.
import type { HttpFilter } from '../../../config/listener.js';
import type { CorsPolicy } from '../../../config/route.js';
import { compileStringMatch, type StringPredicate } from '../../../router/string-matcher.js';
import type { Counter, StatsStore } from '../../../stats/store.js';

const CORS_FILTER_NAME = 'envoy.filters.http.cors';
const CORS_TYPE_NAME = 'envoy.extensions.filters.http.cors.v3.Cors';

/** What the filter does with one request. */
export type CorsDecision =
  /** Not a CORS request, no policy, or an origin the policy does not allow: nothing to do. */
  | { kind: 'none' }
  /** A preflight from an allowed origin: reply 200 locally with these headers. */
  | { kind: 'preflight'; headers: string[] }
  /** An actual request from an allowed origin: add these headers to whatever response goes back. */
  | { kind: 'actual'; headers: string[] };

const NONE: CorsDecision = { kind: 'none' };

interface CompiledCors {
  origins: StringPredicate[];
  policy: CorsPolicy;
}

const compiled = new WeakMap<CorsPolicy, CompiledCors>();
const enabledByChain = new WeakMap<readonly HttpFilter[], boolean>();

/** Envoy's `http.<stat_prefix>.cors.origin_valid` / `origin_invalid`: requests with an Origin, by match. */
export interface CorsCounters {
  originValid: Counter;
  originInvalid: Counter;
}

const countersByStore = new WeakMap<StatsStore, Map<string, CorsCounters>>();

/** The CORS counters of a connection manager, created on first use and reused. */
export function corsCounters(store: StatsStore, statPrefix: string): CorsCounters {
  let byPrefix = countersByStore.get(store);
  if (byPrefix === undefined) {
    byPrefix = new Map();
    countersByStore.set(store, byPrefix);
  }
  let c = byPrefix.get(statPrefix);
  if (c === undefined) {
    c = {
      originValid: store.counter(`http.${statPrefix}.cors.origin_valid`),
      originInvalid: store.counter(`http.${statPrefix}.cors.origin_invalid`),
    };
    byPrefix.set(statPrefix, c);
  }
  return c;
}

/** Whether the connection manager's filter chain has an enabled CORS filter (policies need it, as in Envoy). */
export function chainHasCors(filters: readonly HttpFilter[]): boolean {
  let on = enabledByChain.get(filters);
  if (on === undefined) {
    on = filters.some((f) => !f.disabled && (f.name === CORS_FILTER_NAME || f.typeName === CORS_TYPE_NAME));
    enabledByChain.set(filters, on);
  }
  return on;
}

function compile(policy: CorsPolicy): CompiledCors {
  let c = compiled.get(policy);
  if (c === undefined) {
    c = { origins: policy.allowOrigins.map(compileStringMatch), policy };
    compiled.set(policy, c);
  }
  return c;
}

function firstHeader(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/**
 * Decides for one request. `headers` is the flat lower-case [name, value, …] request header list. Requests
 * without an Origin are not CORS requests; origins matching none of allowOrigins get no CORS headers and,
 * for a preflight, go on to the upstream like any other request.
 */
export function evaluateCors(
  policy: CorsPolicy | undefined,
  method: string,
  headers: readonly string[],
  counters?: CorsCounters,
): CorsDecision {
  if (policy === undefined) return NONE;
  const origin = firstHeader(headers, 'origin');
  if (origin === undefined || origin === '') return NONE;
  const c = compile(policy);
  if (!c.origins.some((test) => test(origin))) {
    counters?.originInvalid.inc();
    return NONE;
  }
  counters?.originValid.inc();
  const out = ['access-control-allow-origin', origin];
  if (policy.allowCredentials === true) out.push('access-control-allow-credentials', 'true');
  const requestMethod = firstHeader(headers, 'access-control-request-method');
  if (method === 'OPTIONS' && requestMethod !== undefined && requestMethod !== '') {
    if (policy.allowMethods !== '') out.push('access-control-allow-methods', policy.allowMethods);
    if (policy.allowHeaders !== '') out.push('access-control-allow-headers', policy.allowHeaders);
    if (policy.maxAge !== '') out.push('access-control-max-age', policy.maxAge);
    return { kind: 'preflight', headers: out };
  }
  if (policy.exposeHeaders !== '') out.push('access-control-expose-headers', policy.exposeHeaders);
  return { kind: 'actual', headers: out };
}
