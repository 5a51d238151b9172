// The proxy's validated route configuration (Envoy's RouteConfiguration, decoded; times in milliseconds).
// Regex patterns stay strings here: the router compiles them with RE2 once, when the config arrives.

export type StringMatch =
  | { kind: 'exact'; value: string; ignoreCase: boolean }
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'contains'; value: string; ignoreCase: boolean }
  | { kind: 'regex'; pattern: string };

/** Envoy's HeaderMatcher: a header present (or absent) and, optionally, matching a string. */
export interface HeaderMatch {
  /** Lower-case header name; pseudo-headers such as `:authority` and `:method` are allowed. */
  name: string;
  /** `present` tests presence only; `string` tests the value; `range` tests an integer value in [start, end). */
  match:
    | { kind: 'present'; present: boolean }
    | { kind: 'string'; string: StringMatch }
    | { kind: 'range'; start: number; end: number };
  invert: boolean;
  /** With a string match, a missing header matches when true (Envoy's treat_missing_header_as_empty). */
  treatMissingAsEmpty: boolean;
}

export interface QueryParameterMatch {
  name: string;
  /** No string match means the parameter must be present. */
  match: { kind: 'present' } | { kind: 'string'; string: StringMatch };
}

export type PathMatch =
  | { kind: 'prefix'; value: string }
  | { kind: 'path'; value: string }
  | { kind: 'regex'; pattern: string }
  | { kind: 'separatedPrefix'; value: string };

export interface RouteMatch {
  path: PathMatch;
  /** Applies to prefix and path matches (Envoy default true). */
  caseSensitive: boolean;
  headers: HeaderMatch[];
  queryParameters: QueryParameterMatch[];
  /** Only gRPC requests (content-type application/grpc*) match when true. */
  grpc: boolean;
  /** Fraction of requests (0..1) that match, from runtime_fraction's default; undefined = all. */
  fraction?: number;
}

export type AppendAction =
  | 'APPEND_IF_EXISTS_OR_ADD'
  | 'ADD_IF_ABSENT'
  | 'OVERWRITE_IF_EXISTS_OR_ADD'
  | 'OVERWRITE_IF_EXISTS';

export interface HeaderValueOption {
  key: string;
  value: string;
  action: AppendAction;
  keepEmptyValue: boolean;
}

/** Request and response header edits at one level (route config, virtual host, route, weighted cluster). */
export interface HeaderOps {
  requestAdd: HeaderValueOption[];
  requestRemove: string[];
  responseAdd: HeaderValueOption[];
  responseRemove: string[];
}

export interface RetryPolicy {
  /** Envoy's retry_on conditions, e.g. `5xx`, `connect-failure`, `retriable-status-codes`, `unavailable`. */
  retryOn: string[];
  numRetries: number;
  /** 0 = no per-try timeout (the route timeout applies). */
  perTryTimeoutMs: number;
  perTryIdleTimeoutMs: number;
  retriableStatusCodes: number[];
  retriableHeaders: HeaderMatch[];
  retriableRequestHeaders: HeaderMatch[];
  /** Exponential back-off: base 25 ms and max 10 × base by default. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** previous_hosts predicate: avoid hosts already tried. */
  avoidPreviousHosts: boolean;
  hostSelectionRetryMaxAttempts: number;
}

export interface MirrorPolicy {
  cluster: string;
  /** Fraction 0..1 of requests mirrored (from runtime_fraction's default); 1 when unset. */
  fraction: number;
}

export type HashPolicy =
  | { kind: 'header'; name: string; terminal: boolean }
  | { kind: 'cookie'; name: string; ttlMs?: number; path?: string; terminal: boolean }
  | { kind: 'sourceIp'; terminal: boolean }
  | { kind: 'queryParameter'; name: string; terminal: boolean };

export interface WeightedCluster {
  name: string;
  weight: number;
  headers: HeaderOps;
  /** host_rewrite_literal: the authority sent upstream when this cluster is picked (over the route's). */
  hostRewrite?: string;
}

export interface CorsPolicy {
  allowOrigins: StringMatch[];
  allowMethods: string;
  allowHeaders: string;
  exposeHeaders: string;
  maxAge: string;
  allowCredentials?: boolean;
}

export interface ForwardAction {
  kind: 'forward';
  target:
    | { kind: 'cluster'; name: string }
    | { kind: 'weighted'; clusters: WeightedCluster[]; totalWeight: number };
  prefixRewrite?: string;
  regexRewrite?: { pattern: string; substitution: string };
  hostRewrite?: string;
  autoHostRewrite: boolean;
  /** Route timeout; 0 disables it. Envoy's default is 15 000 ms. */
  timeoutMs: number;
  idleTimeoutMs?: number;
  retryPolicy?: RetryPolicy;
  mirrors: MirrorPolicy[];
  hashPolicies: HashPolicy[];
  maxStreamDurationMs?: number;
  /** Use the request's grpc-timeout header as the timeout, capped by this (0 = uncapped). */
  grpcTimeoutHeaderMaxMs?: number;
  /** Upgrade types allowed on this route (e.g. `websocket`), in addition to the connection manager's. */
  upgrades: string[];
  cors?: CorsPolicy;
}

export interface RedirectAction {
  kind: 'redirect';
  scheme?: string;
  host?: string;
  port?: number;
  path?: string;
  prefixRewrite?: string;
  /** 301, 302, 303, 307 or 308. */
  status: number;
  stripQuery: boolean;
}

export interface DirectResponseAction {
  kind: 'direct';
  status: number;
  body?: string;
}

export type RouteAction = ForwardAction | RedirectAction | DirectResponseAction;

/** Filter configuration overrides per route/virtual host, keyed by HTTP filter name. Opaque to the router. */
export type PerFilterConfig = Record<string, unknown>;

export interface Route {
  name: string;
  match: RouteMatch;
  action: RouteAction;
  headers: HeaderOps;
  perFilterConfig: PerFilterConfig;
}

export interface VirtualHost {
  name: string;
  /** `*`, exact `host` or `host:port`, `*.suffix`, `prefix*`; matched as Envoy does (exact, suffix, prefix, `*`). */
  domains: string[];
  routes: Route[];
  headers: HeaderOps;
  retryPolicy?: RetryPolicy;
  cors?: CorsPolicy;
  perFilterConfig: PerFilterConfig;
}

export interface RouteConfiguration {
  name: string;
  virtualHosts: VirtualHost[];
  headers: HeaderOps;
}

export function emptyHeaderOps(): HeaderOps {
  return { requestAdd: [], requestRemove: [], responseAdd: [], responseRemove: [] };
}
