// Istio's (and Argo's) defaults for fields left unset, in one place, with helpers that apply them.
import { durationMs } from '../common/duration.js';
import type { HTTPRetry, HTTPRouteDestination } from './kinds/vs-http.js';

const UINT32_MAX = 2 ** 32 - 1;

export const ISTIO_DEFAULTS = {
  /** Cluster domain of service FQDNs. */
  domain: 'cluster.local',
  /** Retries when a route sets none: 2 attempts on these conditions (503 is the retriable status code). */
  retry: {
    attempts: 2,
    retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
    retriableStatusCodes: [503],
  },
  /** HTTP route timeout when unset: none (0 = disabled), ms. */
  routeTimeoutMs: 0,
  /** Load balancing when `simple` is unset or UNSPECIFIED. */
  loadBalancer: 'LEAST_REQUEST',
  /** Connection pool limits when unset (Envoy's circuit breakers effectively off). */
  connectionPool: {
    maxConnections: UINT32_MAX,
    connectTimeoutMs: 10_000,
    http1MaxPendingRequests: UINT32_MAX,
    http2MaxRequests: UINT32_MAX,
    /** 0 = unlimited requests per connection. */
    maxRequestsPerConnection: 0,
    maxRetries: UINT32_MAX,
    idleTimeoutMs: 3_600_000,
  },
  /** Outlier detection values used for fields left unset once outlierDetection is given. */
  outlierDetection: {
    consecutive5xxErrors: 5,
    intervalMs: 10_000,
    baseEjectionTimeMs: 30_000,
    maxEjectionPercent: 10,
    minHealthPercent: 0,
  },
  /** Mesh-wide mTLS mode when no PeerAuthentication applies. */
  mtlsMode: 'PERMISSIVE',
  /** AuthorizationPolicy action when unset. */
  authorizationAction: 'ALLOW',
  /** Fault and mirror percentages when unset: every request. */
  faultPercent: 100,
  mirrorPercent: 100,
  /** Workload certificate lifetime, ms. */
  certificateTtlMs: 24 * 3_600_000,
} as const;

export const ARGO_DEFAULTS = {
  successfulRunHistoryLimit: 5,
  unsuccessfulRunHistoryLimit: 5,
} as const;

export interface EffectiveRetry {
  attempts: number;
  retryOn: string;
  /** Per-attempt timeout, ms; 0 = the route's timeout. */
  perTryTimeoutMs: number;
  retryRemoteLocalities: boolean;
}

/** The retry policy a route gets: Istio's default when `retries` is unset; attempts 0 disables retries. */
export function effectiveRetry(r: HTTPRetry | undefined): EffectiveRetry {
  if (!r) {
    return {
      attempts: ISTIO_DEFAULTS.retry.attempts,
      retryOn: ISTIO_DEFAULTS.retry.retryOn,
      perTryTimeoutMs: 0,
      retryRemoteLocalities: false,
    };
  }
  return {
    attempts: r.attempts ?? ISTIO_DEFAULTS.retry.attempts,
    retryOn: r.retryOn ?? ISTIO_DEFAULTS.retry.retryOn,
    perTryTimeoutMs: r.perTryTimeout ? durationMs(r.perTryTimeout) : 0,
    retryRemoteLocalities: r.retryRemoteLocalities ?? false,
  };
}

/** The weight each destination receives: a single destination gets 100; otherwise the weights as written (unset = 0). */
export function routeWeights(route: ReadonlyArray<Pick<HTTPRouteDestination, 'weight'>>): number[] {
  if (route.length === 1) return [100];
  return route.map((d) => d.weight ?? 0);
}
