// Envoy's request timeouts, computed per request: the route's global timeout (or the gRPC deadline from
// grpc-timeout, capped), the retry policy's per-try timeouts, the stream idle and max stream duration
// limits, the upstream headers that carry what is left (x-envoy-expected-rq-timeout-ms, grpc-timeout), and
// the local reply each timeout sends. Pure; the runtime arms timers with these numbers (all ms, 0 = off).

export interface TimeoutInputs {
  /** The route's timeout (Envoy default 15 000; 0 disables). */
  routeTimeoutMs: number;
  /** Route max_grpc_timeout / grpc_timeout_header_max: use grpc-timeout capped by this (0 = uncapped). */
  grpcTimeoutHeaderMaxMs?: number;
  perTryTimeoutMs?: number;
  perTryIdleTimeoutMs?: number;
  /** Route idle_timeout, overriding the connection manager's stream_idle_timeout. */
  routeIdleTimeoutMs?: number;
  streamIdleTimeoutMs?: number;
  /** Route max_stream_duration, overriding the connection manager's. */
  routeMaxStreamDurationMs?: number;
  maxStreamDurationMs?: number;
  isGrpc: boolean;
  /** Request headers, flat lower-case [name, value, …]. */
  headers: readonly string[];
  /** Honour x-envoy-upstream-rq-timeout-ms / -per-try-timeout-ms (trusted, internal requests only). */
  trustEnvoyHeaders: boolean;
}

export interface RequestTimeouts {
  /** Whole request, across retries: 504 UT when it fires before the response. */
  globalMs: number;
  /** Each attempt: retried when retry_on allows, else 504 UT. 0 when unset or not shorter than global. */
  perTryMs: number;
  perTryIdleMs: number;
  /** No activity on the stream for this long: 408 (SI) before the response, reset after. */
  streamIdleMs: number;
  /** The stream may not live longer than this: 408 (DT) before the response, reset after. */
  maxStreamDurationMs: number;
  /** Whether grpc-timeout is rewritten upstream with what is left (the deadline came from it). */
  propagateGrpcTimeout: boolean;
}

function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

function headerMs(headers: readonly string[], name: string): number | undefined {
  const v = headerValue(headers, name);
  return v !== undefined && /^\d{1,12}$/.test(v) ? Number(v) : undefined;
}

const GRPC_UNIT_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000001,
};

/** A grpc-timeout value (`<1..8 digits><unit>`) in whole milliseconds, rounded up; undefined when malformed. */
export function parseGrpcTimeoutMs(v: string): number | undefined {
  const m = /^(\d{1,8})([HMSmun])$/.exec(v);
  if (m === null) return undefined;
  return Math.ceil(Number(m[1]) * GRPC_UNIT_MS[m[2]]);
}

/** Milliseconds as a grpc-timeout value: the finest unit whose number fits in 8 digits. */
export function formatGrpcTimeout(ms: number): string {
  const v = Math.max(0, Math.ceil(ms));
  if (v < 100_000_000) return `${v}m`;
  for (const [unit, size] of [
    ['S', 1000],
    ['M', 60_000],
    ['H', 3_600_000],
  ] as const) {
    const n = Math.ceil(v / size);
    if (n < 100_000_000) return `${n}${unit}`;
  }
  return '99999999H';
}

export function computeTimeouts(i: TimeoutInputs): RequestTimeouts {
  let globalMs = i.routeTimeoutMs;
  let perTryMs = i.perTryTimeoutMs ?? 0;
  let propagateGrpcTimeout = false;
  if (i.isGrpc && i.grpcTimeoutHeaderMaxMs !== undefined) {
    propagateGrpcTimeout = true;
    const gt = headerValue(i.headers, 'grpc-timeout');
    const deadline = gt === undefined ? undefined : parseGrpcTimeoutMs(gt);
    if (deadline !== undefined) {
      const max = i.grpcTimeoutHeaderMaxMs;
      globalMs = max > 0 ? Math.min(deadline, max) : deadline;
    }
  }
  if (i.trustEnvoyHeaders) {
    const g = headerMs(i.headers, 'x-envoy-upstream-rq-timeout-ms');
    if (g !== undefined) globalMs = g;
    const p = headerMs(i.headers, 'x-envoy-upstream-rq-per-try-timeout-ms');
    if (p !== undefined) perTryMs = p;
  }
  // A per-try timeout not shorter than the whole request's would never fire first.
  if (globalMs > 0 && perTryMs >= globalMs) perTryMs = 0;
  return {
    globalMs,
    perTryMs,
    perTryIdleMs: i.perTryIdleTimeoutMs ?? 0,
    streamIdleMs: i.routeIdleTimeoutMs ?? i.streamIdleTimeoutMs ?? 0,
    maxStreamDurationMs: i.routeMaxStreamDurationMs ?? i.maxStreamDurationMs ?? 0,
    propagateGrpcTimeout,
  };
}

/**
 * Headers for one upstream attempt started `elapsedMs` after the request: the time the upstream can
 * expect (per-try if shorter, else what is left of the global timeout) and, for gRPC deadlines, the
 * rewritten grpc-timeout. Returns [name, value, …] to set (overwrite).
 */
export function attemptTimeoutHeaders(t: RequestTimeouts, elapsedMs: number, isGrpc: boolean): string[] {
  const left = t.globalMs > 0 ? Math.max(0, t.globalMs - elapsedMs) : 0;
  const expected = t.perTryMs > 0 && (left === 0 || t.perTryMs < left) ? t.perTryMs : left;
  if (expected <= 0) return [];
  const out = ['x-envoy-expected-rq-timeout-ms', String(expected)];
  if (isGrpc && t.propagateGrpcTimeout) out.push('grpc-timeout', formatGrpcTimeout(expected));
  return out;
}

export type TimeoutKind = 'global' | 'per-try' | 'per-try-idle' | 'stream-idle' | 'max-stream-duration';

/** The local reply Envoy sends when a timeout fires before the response started (after it: a reset). */
export function timeoutReply(kind: TimeoutKind): {
  status: number;
  body: string;
  flag: string;
  details: string;
} {
  switch (kind) {
    case 'global':
      return {
        status: 504,
        body: 'upstream request timeout',
        flag: 'UT',
        details: 'upstream_response_timeout',
      };
    case 'per-try':
      return {
        status: 504,
        body: 'upstream request timeout',
        flag: 'UT',
        details: 'upstream_per_try_timeout',
      };
    case 'per-try-idle':
      return {
        status: 504,
        body: 'upstream request timeout',
        flag: 'UT',
        details: 'upstream_per_try_idle_timeout',
      };
    case 'stream-idle':
      return { status: 408, body: 'stream timeout', flag: 'SI', details: 'stream_idle_timeout' };
    case 'max-stream-duration':
      return {
        status: 408,
        body: 'downstream duration timeout',
        flag: 'DT',
        details: 'max_duration_timeout',
      };
  }
}
