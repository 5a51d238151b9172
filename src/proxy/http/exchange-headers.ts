// The header work of an exchange besides routing: the route timeout and its request headers (grpc-timeout
// capped, x-envoy-expected-rq-timeout-ms), the edits to an upstream response head (hop-by-hop headers out,
// Envoy's server header and service time, filter, cookie and CORS headers, peer metadata, route response
// ops), the head of a local reply (gRPC-shaped for gRPC requests), and how an upstream reset reason maps
// to Envoy's response flag and to the retry policy's attempt outcome.
import type { CompiledRoute } from '../router/compiled-route.js';
import { applyHeaderOps, type CompiledHeaderOps, removeHeader, setHeader } from '../router/header-ops.js';
import type { AttemptOutcome } from '../router/retry-state.js';
import { formatGrpcTimeout } from '../router/timeout-policy.js';
import type { ResetReason } from '../upstream/pool/types.js';
import type { HttpExchange } from './exchange.js';
import { getHeader } from './h1-head.js';
import { Flag, grpcStatusForHttp } from './local-reply.js';
import { parseGrpcTimeout } from './request-headers.js';

/**
 * The request's timeout (ms, 0 none): the route's, or a gRPC request's grpc-timeout capped by the route's
 * max_grpc_timeout. Adds the headers that tell the upstream how long it has.
 */
export function requestTimeout(route: CompiledRoute, h: string[], isGrpc: boolean): number {
  let timeoutMs = route.timeoutMs;
  if (route.grpcTimeoutHeaderMaxMs !== undefined && isGrpc) {
    const gt = getHeader(h, 'grpc-timeout');
    const t = gt === undefined ? undefined : parseGrpcTimeout(gt);
    if (t !== undefined) {
      const max = route.grpcTimeoutHeaderMaxMs;
      timeoutMs = max > 0 ? Math.min(t, max) : t;
      // [resilience] The capped deadline travels on: the upstream learns how long it really has.
      if (timeoutMs > 0) setHeader(h, 'grpc-timeout', formatGrpcTimeout(timeoutMs));
    }
  }
  if (timeoutMs > 0)
    h.push(
      'x-envoy-expected-rq-timeout-ms',
      timeoutMs === route.timeoutMs ? route.timeoutText : String(timeoutMs),
    );
  return timeoutMs;
}

/** Envoy's response flag for an upstream reset of `reason`. */
export function resetFlag(reason: ResetReason): string {
  switch (reason) {
    case 'connection failure':
    case 'connection timeout':
      return Flag.UpstreamConnectionFailure;
    case 'overflow':
      return Flag.UpstreamOverflow;
    case 'remote reset':
    case 'remote refused stream reset':
      return Flag.UpstreamRemoteReset;
    case 'protocol error':
      return Flag.UpstreamProtocolError;
    case 'local reset':
      return Flag.LocalReset;
    case 'connection termination':
      return Flag.UpstreamConnectionTermination;
  }
}

/** The retry policy's view of an attempt that ended with `reason` before the response. */
export function attemptOutcomeOf(reason: ResetReason): AttemptOutcome {
  return reason === 'overflow'
    ? { kind: 'overflow' }
    : reason === 'connection failure' || reason === 'connection timeout'
      ? { kind: 'connect-failure' }
      : reason === 'remote refused stream reset'
        ? { kind: 'refused-stream' }
        : { kind: 'reset', requestSent: true };
}

/** Edits the upstream response head `h` in place before it goes downstream. */
export function editUpstreamResponseHeaders(ex: HttpExchange, h: string[]): void {
  removeHeader(h, 'connection');
  removeHeader(h, 'keep-alive');
  removeHeader(h, 'proxy-connection');
  if (!ex.rawBody) removeHeader(h, 'transfer-encoding');
  const hcm = ex.hcm;
  const cfg = hcm.config;
  if (cfg.serverHeaderTransformation === 'OVERWRITE') setHeader(h, 'server', hcm.serverName);
  else if (cfg.serverHeaderTransformation === 'APPEND_IF_ABSENT' && getHeader(h, 'server') === undefined)
    h.push('server', hcm.serverName);
  h.push('x-envoy-upstream-service-time', String(ex.serviceTimeMs));
  const extra = ex.requestFilters?.responseHeaders;
  if (extra !== undefined) for (let i = 0; i < extra.length; i++) h.push(extra[i]);
  if (ex.hashCookie !== undefined) h.push('set-cookie', ex.hashCookie);
  if (ex.corsHeaders !== undefined) for (const x of ex.corsHeaders) h.push(x);
  hcm.peerMetadata?.onResponse(h, ex);
  applyHeaderOps(h, ex.weightedResponseOps);
  if (ex.route !== undefined) applyHeaderOps(h, ex.route.responseOps);
}

export interface LocalReplyHead {
  status: number;
  body: string;
  headers: string[];
  /** The grpc-status sent for a gRPC request; '' otherwise. */
  grpcStatus: string;
}

/** The head of a local reply; gRPC requests get 200 with grpc-status / grpc-message and no body. */
export function localReplyHead(
  ex: HttpExchange,
  status: number,
  body: string,
  ops: CompiledHeaderOps,
  location: string | undefined,
  overloaded: boolean,
): LocalReplyHead {
  const h: string[] = [];
  let grpcStatus = '';
  if (ex.isGrpc) {
    const code = ex.grpcStatusOverride >= 0 ? ex.grpcStatusOverride : grpcStatusForHttp(status);
    grpcStatus = String(code);
    h.push('content-type', 'application/grpc', 'grpc-status', grpcStatus);
    if (body !== '') h.push('grpc-message', encodeURIComponent(body));
    status = 200;
    body = '';
  } else if (body !== '') h.push('content-type', 'text/plain');
  if (location !== undefined) h.push('location', location);
  if (overloaded) h.push('x-envoy-overloaded', 'true');
  if (ex.corsHeaders !== undefined) for (const x of ex.corsHeaders) h.push(x);
  const hcm = ex.hcm;
  if (hcm.config.serverHeaderTransformation !== 'PASS_THROUGH') h.push('server', hcm.serverName);
  hcm.peerMetadata?.onLocalResponse(h, ex);
  applyHeaderOps(h, ops);
  return { status, body, headers: h, grpcStatus };
}
