// The proxy's validated cluster and endpoint configuration (Envoy's Cluster and ClusterLoadAssignment,
// decoded; times in milliseconds).
import type { UpstreamTlsContext } from './tls.js';

export type DiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'ORIGINAL_DST';
export type LbPolicy =
  | 'ROUND_ROBIN'
  | 'LEAST_REQUEST'
  | 'RANDOM'
  | 'RING_HASH'
  | 'MAGLEV'
  | 'CLUSTER_PROVIDED';
export type HealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

export interface SocketAddress {
  /** IP address or (for DNS clusters) host name. */
  host: string;
  port: number;
}

export interface Locality {
  region: string;
  zone: string;
  subZone: string;
}

export interface LbEndpoint {
  address: SocketAddress;
  healthStatus: HealthStatus;
  /** Envoy's load_balancing_weight, default 1. */
  weight: number;
  /** Filter metadata (e.g. `istio` labels, `envoy.transport_socket_match`), opaque to the load balancer. */
  metadata: Record<string, Record<string, unknown>>;
  hostname?: string;
}

export interface LocalityLbEndpoints {
  locality: Locality;
  /** 0 is the highest priority. */
  priority: number;
  /** Locality weight, used when locality-weighted load balancing is on. */
  weight?: number;
  endpoints: LbEndpoint[];
}

export interface ClusterLoadAssignment {
  clusterName: string;
  localities: LocalityLbEndpoints[];
  /** Percent × 100 / 100: Envoy's overprovisioning_factor, default 140 (1.4). */
  overprovisioningFactor: number;
}

export interface CircuitBreakerThresholds {
  priority: 'DEFAULT' | 'HIGH';
  /** Envoy defaults: 1024 each, max_retries 3. */
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
  retryBudget?: { budgetPercent: number; minRetryConcurrency: number };
}

export interface OutlierDetection {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  consecutiveLocalOriginFailure: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionTimeMs: number;
  maxEjectionPercent: number;
  /** Enforcement percentages 0..100. */
  enforcingConsecutive5xx: number;
  enforcingConsecutiveGatewayFailure: number;
  enforcingConsecutiveLocalOriginFailure: number;
  enforcingSuccessRate: number;
  enforcingFailurePercentage: number;
  successRateMinimumHosts: number;
  successRateRequestVolume: number;
  successRateStdevFactor: number;
  failurePercentageThreshold: number;
  failurePercentageMinimumHosts: number;
  failurePercentageRequestVolume: number;
  splitExternalLocalOriginErrors: boolean;
}

export interface LbConfig {
  ringHash?: { minimumRingSize: number; maximumRingSize: number };
  maglev?: { tableSize: number };
  leastRequest?: { choiceCount: number };
  /** Percent 0..100; Envoy's default 50. */
  healthyPanicThreshold: number;
  localityWeighted: boolean;
}

export type UpstreamProtocol = 'http1' | 'http2' | 'downstream';

/**
 * One entry of Envoy's transport_socket_matches: endpoints whose `envoy.transport_socket_match` metadata has
 * every key of `match` with an equal value use this transport (Istio's auto mTLS: `{tlsMode: istio}` → mTLS).
 */
export interface TransportSocketMatch {
  /** Envoy uses it in stats; shown in config_dump. */
  name: string;
  /** Scalar values (string, number, boolean) by key; empty matches every endpoint. */
  match: Record<string, string | number | boolean>;
  /** undefined = plain text (raw_buffer). */
  tls?: UpstreamTlsContext;
}

export interface Cluster {
  name: string;
  type: DiscoveryType;
  /** Name used for the EDS request (defaults to the cluster name). */
  edsServiceName?: string;
  connectTimeoutMs: number;
  lbPolicy: LbPolicy;
  lbConfig: LbConfig;
  /** Inline endpoints (STATIC/DNS clusters); EDS clusters get theirs from a ClusterLoadAssignment. */
  loadAssignment?: ClusterLoadAssignment;
  circuitBreakers: CircuitBreakerThresholds[];
  outlierDetection?: OutlierDetection;
  upstreamProtocol: UpstreamProtocol;
  maxRequestsPerConnection?: number;
  /** Idle time after which an unused upstream connection is closed; Envoy's default 1 h. */
  idleTimeoutMs: number;
  /** The default transport (endpoints no transport socket match selects); undefined = plain text. */
  tls?: UpstreamTlsContext;
  /** Per-endpoint transports, first match wins; absent when the cluster has none. */
  transportSocketMatches?: TransportSocketMatch[];
  dnsRefreshRateMs: number;
  dnsLookupFamily: 'AUTO' | 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'ALL';
  /** Cluster metadata (e.g. istio service name), shown in config_dump and used by stats. */
  metadata: Record<string, Record<string, unknown>>;
  /** Stat prefix override (alt_stat_name). */
  altStatName?: string;
}

export const DEFAULT_CIRCUIT_BREAKERS: CircuitBreakerThresholds = {
  priority: 'DEFAULT',
  maxConnections: 1024,
  maxPendingRequests: 1024,
  maxRequests: 1024,
  maxRetries: 3,
};

/** Envoy's defaults for every outlier_detection field (times in ms, percentages 0..100). */
export const DEFAULT_OUTLIER_DETECTION: Readonly<OutlierDetection> = {
  consecutive5xx: 5,
  consecutiveGatewayFailure: 5,
  consecutiveLocalOriginFailure: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 0,
  enforcingConsecutiveLocalOriginFailure: 100,
  enforcingSuccessRate: 100,
  enforcingFailurePercentage: 0,
  successRateMinimumHosts: 5,
  successRateRequestVolume: 100,
  successRateStdevFactor: 1900,
  failurePercentageThreshold: 85,
  failurePercentageMinimumHosts: 5,
  failurePercentageRequestVolume: 50,
  splitExternalLocalOriginErrors: false,
};
