// DestinationRule connectionPool → circuit breaker thresholds, connect timeout, per-connection limits,
// idle timeout. Istio's defaults leave every threshold at the maximum (effectively no limit).
import { create } from '@bufbuild/protobuf';
import type { ConnectionPoolSettings } from '../../../api/index.js';
import { durationMs } from '../../../common/duration.js';
import {
  CircuitBreakers_ThresholdsSchema,
  CircuitBreakersSchema,
} from '../../../generated/envoy/config/cluster/v3/circuit_breaker_pb.js';
import type { Cluster } from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { durationOf } from '../pb.js';

/** Istio's mesh default connect timeout (meshConfig.connectTimeout), ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Istio writes unset thresholds as max uint32. */
export const UNLIMITED = 4_294_967_295;

export function applyConnectionPool(cluster: Cluster, pool: ConnectionPoolSettings | undefined): void {
  cluster.connectTimeout = durationOf(
    pool?.tcp?.connectTimeout ? durationMs(pool.tcp.connectTimeout) : DEFAULT_CONNECT_TIMEOUT_MS,
  );
  const http = pool?.http;
  const tcp = pool?.tcp;
  cluster.circuitBreakers = create(CircuitBreakersSchema, {
    thresholds: [
      create(CircuitBreakers_ThresholdsSchema, {
        maxConnections: nonZero(tcp?.maxConnections) ?? UNLIMITED,
        maxPendingRequests: nonZero(http?.http1MaxPendingRequests) ?? UNLIMITED,
        maxRequests: nonZero(http?.http2MaxRequests) ?? UNLIMITED,
        maxRetries: nonZero(http?.maxRetries) ?? UNLIMITED,
        trackRemaining: true,
      }),
    ],
  });
  if (http?.maxRequestsPerConnection) cluster.maxRequestsPerConnection = http.maxRequestsPerConnection;
}

/** Istio treats 0 as "unset" for pool limits. */
function nonZero(v: number | undefined): number | undefined {
  return v === undefined || v === 0 ? undefined : v;
}

/** The HTTP idle timeout of upstream connections, if the pool sets one (ms). */
export function poolIdleTimeoutMs(pool: ConnectionPoolSettings | undefined): number | undefined {
  const t = pool?.http?.idleTimeout ?? pool?.tcp?.idleTimeout;
  return t ? durationMs(t) : undefined;
}
