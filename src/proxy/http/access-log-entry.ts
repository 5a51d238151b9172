// The per-request record handed to access loggers: one plain object per finished request, built only when a
// sink is configured. Field names follow Envoy's command operators so formatters map them one to one.
import type { PeerInfo } from '../filters/http/peer-metadata/peer-info.js';

export interface AccessLogEntry {
  /** Request start, epoch milliseconds (%START_TIME%). */
  startTimeMs: number;
  method: string;
  /** Original request path including the query (%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%). */
  path: string;
  /** HTTP/1.0, HTTP/1.1, HTTP/2 or '-' for TCP (%PROTOCOL%). */
  protocol: string;
  /** 0 when no response was sent (%RESPONSE_CODE%). */
  status: number;
  /** Envoy's short response flags, comma separated; '-' when none (%RESPONSE_FLAGS%). */
  responseFlags: string;
  /** Response code details, e.g. `route_not_found`, `via_upstream` (%RESPONSE_CODE_DETAILS%). */
  responseCodeDetails: string;
  /** Request body bytes received from downstream (%BYTES_RECEIVED%). */
  bytesReceived: number;
  /** Response body bytes sent downstream (%BYTES_SENT%). */
  bytesSent: number;
  /** Total duration in milliseconds (%DURATION%). */
  durationMs: number;
  /** Milliseconds from request start to the upstream's response head; -1 without one (%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%). */
  upstreamServiceTimeMs: number;
  /** `ip:port` of the chosen upstream host, '' when none (%UPSTREAM_HOST%). */
  upstreamHost: string;
  upstreamCluster: string;
  /** `ip:port` of the downstream peer (%DOWNSTREAM_REMOTE_ADDRESS%). */
  downstreamRemoteAddress: string;
  /** `ip:port` the connection was accepted on (%DOWNSTREAM_LOCAL_ADDRESS%). */
  downstreamLocalAddress: string;
  xForwardedFor: string;
  userAgent: string;
  requestId: string;
  authority: string;
  routeName: string;
  /** Upstream transport failure reason, '' when none (%UPSTREAM_TRANSPORT_FAILURE_REASON%). */
  upstreamTransportFailureReason: string;
  /** SNI from the TLS handshake, '' when none (%REQUESTED_SERVER_NAME%). */
  requestedServerName: string;
  /** The downstream peer certificate's URI SAN, its SPIFFE ID (%DOWNSTREAM_PEER_URI_SAN%); '' or absent when none. */
  downstreamPeerUriSan?: string;
  /** Our certificate's URI SAN on the downstream connection (%DOWNSTREAM_LOCAL_URI_SAN%). */
  downstreamLocalUriSan?: string;
  /** The upstream certificate's URI SAN (%UPSTREAM_PEER_URI_SAN%). */
  upstreamPeerUriSan?: string;
  /** Istio's connection_security_policy of the downstream connection. */
  connectionSecurityPolicy?: 'mutual_tls' | 'none';
  /** Peers from istio.metadata_exchange (%FILTER_STATE(downstream_peer:FIELD:workload)% and upstream_peer). */
  downstreamPeer?: PeerInfo;
  upstreamPeer?: PeerInfo;
}

export interface AccessLogSink {
  log(entry: AccessLogEntry): void;
}
