// The proxy's validated listener configuration: filter chains, the HTTP connection manager with its HTTP
// filters and access logs, and the TCP proxy (Envoy's Listener and network filters, decoded; times in ms).

import type { SocketAddress } from './cluster.js';
import type { RouteConfiguration, StringMatch } from './route.js';
import type { DownstreamTlsContext } from './tls.js';

export interface AccessLog {
  /** stdout, stderr or a file path. */
  path: string;
  /** Envoy command-operator text format (`%START_TIME%` …), or JSON with operators as values; none = Envoy's default text format. */
  format:
    | { kind: 'default' }
    | { kind: 'text'; template: string }
    | { kind: 'json'; fields: Record<string, string> };
}

/**
 * One HTTP filter in the chain, by its Envoy name. `config` is the filter's own validated settings,
 * owned by its folder under src/proxy/filters/http/; the router is the last filter and has none.
 */
export interface HttpFilter {
  name: string;
  config: unknown;
  /** Envoy's is_optional / disabled flags. */
  disabled: boolean;
  /**
   * The typed_config's message type, e.g. `envoy.extensions.filters.http.router.v3.Router`: what the filter
   * is, whatever `name` it was given. Set by the xDS decoder; for filters other than the router, `config` is
   * that message as proto3 JSON with snake_case field names and an `@type` key.
   */
  typeName?: string;
}

export interface HttpConnectionManager {
  kind: 'http';
  statPrefix: string;
  codec: 'AUTO' | 'HTTP1' | 'HTTP2';
  routes: { kind: 'inline'; config: RouteConfiguration } | { kind: 'rds'; name: string };
  httpFilters: HttpFilter[];
  accessLogs: AccessLog[];
  /** Use the connection's peer address as the client address (edge proxies) instead of x-forwarded-for. */
  useRemoteAddress: boolean;
  xffNumTrustedHops: number;
  /** Envoy's default: generate x-request-id when absent. */
  generateRequestId: boolean;
  preserveExternalRequestId: boolean;
  /** 0 disables. Envoy defaults: stream idle 300 000, request 0, request headers 10 000. */
  streamIdleTimeoutMs: number;
  requestTimeoutMs: number;
  requestHeadersTimeoutMs: number;
  /** Connection idle timeout (common_http_protocol_options.idle_timeout); Envoy's default 1 h. */
  idleTimeoutMs: number;
  maxConnectionDurationMs: number;
  maxStreamDurationMs: number;
  /** Request header block limit in KiB (default 60): beyond it the request gets 431. */
  maxRequestHeadersKb: number;
  headersWithUnderscores: 'ALLOW' | 'REJECT_REQUEST' | 'DROP_HEADER';
  /** Value of the `server` response header (default `envoy`) and whether to overwrite the upstream's. */
  serverName: string;
  serverHeaderTransformation: 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';
  /** Upgrade types (e.g. `websocket`) allowed on this listener. */
  upgrades: string[];
  normalizePath: boolean;
  mergeSlashes: boolean;
  forwardClientCertDetails:
    | 'SANITIZE'
    | 'FORWARD_ONLY'
    | 'APPEND_FORWARD'
    | 'SANITIZE_SET'
    | 'ALWAYS_FORWARD_ONLY';
  /** set_current_client_cert_details.cert: the XFCC element carries the client certificate (URL-encoded PEM). */
  xfccCert?: boolean;
  /** Inbound listeners of sidecars strip the port from Host before matching (Istio sets strip_any_host_port). */
  stripAnyHostPort: boolean;
  /** HTTP/2 settings for the downstream side. */
  http2: {
    maxConcurrentStreams: number;
    initialStreamWindowSize: number;
    initialConnectionWindowSize: number;
  };
}

export interface TcpProxy {
  kind: 'tcp';
  statPrefix: string;
  target:
    | { kind: 'cluster'; name: string }
    | { kind: 'weighted'; clusters: { name: string; weight: number }[] };
  /** Default 1 h; 0 disables. */
  idleTimeoutMs: number;
  accessLogs: AccessLog[];
  /**
   * Network filters before the tcp_proxy (Istio's `istio.stats`), by name, with their typed_config as
   * proto3 JSON (snake_case, `@type`), owned by their folders like HTTP filters' settings.
   */
  networkFilters?: { name: string; typeName: string; config: unknown }[];
}

export type NetworkFilter = HttpConnectionManager | TcpProxy;

export interface FilterChainMatch {
  destinationPort?: number;
  /** Prefix-length ranges of the original destination address, as `addr/len`. */
  prefixRanges: string[];
  sourcePrefixRanges: string[];
  /** SNI names; `*.example.com` wildcards allowed. */
  serverNames: string[];
  /** `raw_buffer` or `tls` (set by the tls_inspector listener filter). */
  transportProtocol?: string;
  /** ALPN values such as `h2`, `http/1.1`, `istio-peer-exchange`. */
  applicationProtocols: string[];
}

export interface FilterChain {
  name: string;
  match: FilterChainMatch;
  filter: NetworkFilter;
  tls?: DownstreamTlsContext;
}

export interface Listener {
  name: string;
  address: SocketAddress;
  filterChains: FilterChain[];
  defaultFilterChain?: FilterChain;
  /** Listener filters by name, e.g. `envoy.filters.listener.tls_inspector`, `envoy.filters.listener.http_inspector`. */
  listenerFilters: string[];
  /** Hand the connection to the listener owning its original destination (Istio's virtualOutbound). */
  useOriginalDst: boolean;
  /** false for listeners reached only through use_original_dst hand-off. */
  bindToPort: boolean;
  /** Time an old listener keeps serving existing connections after removal or update (ms). */
  drainTimeMs: number;
  /** Opaque per-listener metadata, shown in config_dump. */
  trafficDirection: 'UNSPECIFIED' | 'INBOUND' | 'OUTBOUND';
}

export type { StringMatch };
