// Decodes a cluster's load-balancing settings, circuit breakers and outlier detection, with Envoy's defaults.
import { childPath } from '../../common/result.js';
import {
  CircuitBreakers_Thresholds_RetryBudgetSchema,
  CircuitBreakers_ThresholdsSchema,
  CircuitBreakersSchema,
} from '../../generated/envoy/config/cluster/v3/circuit_breaker_pb.js';
import {
  type Cluster,
  Cluster_CommonLbConfigSchema,
  Cluster_LeastRequestLbConfigSchema,
  Cluster_MaglevLbConfigSchema,
  Cluster_RingHashLbConfigSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import {
  type OutlierDetection,
  OutlierDetectionSchema,
} from '../../generated/envoy/config/cluster/v3/outlier_detection_pb.js';
import { RoutingPriority } from '../../generated/envoy/config/core/v3/base_pb.js';
import {
  type CircuitBreakerThresholds,
  DEFAULT_CIRCUIT_BREAKERS,
  DEFAULT_OUTLIER_DETECTION,
  type OutlierDetection as DomainOutlierDetection,
  type LbConfig,
} from '../config/cluster.js';
import { type DecodeContext, durationMs } from './decode-context.js';

/** Envoy's cluster defaults (ms, percent, ring sizes). */
export const CLUSTER_DEFAULTS = {
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 3_600_000,
  dnsRefreshRateMs: 5_000,
  healthyPanicThreshold: 50,
  ringHashMinimumSize: 1_024,
  ringHashMaximumSize: 8_388_608,
  maglevTableSize: 65_537,
  leastRequestChoiceCount: 2,
  retryBudgetPercent: 20,
  retryBudgetMinConcurrency: 3,
} as const;

/** Envoy's outlier detection defaults (a fresh copy to fill in). */
export function defaultOutlierDetection(): DomainOutlierDetection {
  return { ...DEFAULT_OUTLIER_DETECTION };
}

export function decodeOutlierDetection(
  ctx: DecodeContext,
  o: OutlierDetection,
  path: string,
): DomainOutlierDetection {
  ctx.onlyFields(OutlierDetectionSchema, o, path, [
    'consecutive_5xx',
    'interval',
    'base_ejection_time',
    'max_ejection_percent',
    'enforcing_consecutive_5xx',
    'enforcing_success_rate',
    'success_rate_minimum_hosts',
    'success_rate_request_volume',
    'success_rate_stdev_factor',
    'consecutive_gateway_failure',
    'enforcing_consecutive_gateway_failure',
    'split_external_local_origin_errors',
    'consecutive_local_origin_failure',
    'enforcing_consecutive_local_origin_failure',
    'failure_percentage_threshold',
    'enforcing_failure_percentage',
    'failure_percentage_minimum_hosts',
    'failure_percentage_request_volume',
    'max_ejection_time',
  ]);
  const d = defaultOutlierDetection();
  const out: DomainOutlierDetection = {
    consecutive5xx: o.consecutive5xx ?? d.consecutive5xx,
    consecutiveGatewayFailure: o.consecutiveGatewayFailure ?? d.consecutiveGatewayFailure,
    consecutiveLocalOriginFailure: o.consecutiveLocalOriginFailure ?? d.consecutiveLocalOriginFailure,
    intervalMs: durationMs(o.interval, d.intervalMs),
    baseEjectionTimeMs: durationMs(o.baseEjectionTime, d.baseEjectionTimeMs),
    maxEjectionTimeMs: durationMs(o.maxEjectionTime, d.maxEjectionTimeMs),
    maxEjectionPercent: o.maxEjectionPercent ?? d.maxEjectionPercent,
    enforcingConsecutive5xx: o.enforcingConsecutive5xx ?? d.enforcingConsecutive5xx,
    enforcingConsecutiveGatewayFailure:
      o.enforcingConsecutiveGatewayFailure ?? d.enforcingConsecutiveGatewayFailure,
    enforcingConsecutiveLocalOriginFailure:
      o.enforcingConsecutiveLocalOriginFailure ?? d.enforcingConsecutiveLocalOriginFailure,
    enforcingSuccessRate: o.enforcingSuccessRate ?? d.enforcingSuccessRate,
    enforcingFailurePercentage: o.enforcingFailurePercentage ?? d.enforcingFailurePercentage,
    successRateMinimumHosts: o.successRateMinimumHosts ?? d.successRateMinimumHosts,
    successRateRequestVolume: o.successRateRequestVolume ?? d.successRateRequestVolume,
    successRateStdevFactor: o.successRateStdevFactor ?? d.successRateStdevFactor,
    failurePercentageThreshold: o.failurePercentageThreshold ?? d.failurePercentageThreshold,
    failurePercentageMinimumHosts: o.failurePercentageMinimumHosts ?? d.failurePercentageMinimumHosts,
    failurePercentageRequestVolume: o.failurePercentageRequestVolume ?? d.failurePercentageRequestVolume,
    splitExternalLocalOriginErrors: o.splitExternalLocalOriginErrors,
  };
  for (const [field, v] of [
    ['max_ejection_percent', out.maxEjectionPercent],
    ['enforcing_consecutive_5xx', out.enforcingConsecutive5xx],
    ['enforcing_consecutive_gateway_failure', out.enforcingConsecutiveGatewayFailure],
    ['enforcing_consecutive_local_origin_failure', out.enforcingConsecutiveLocalOriginFailure],
    ['enforcing_success_rate', out.enforcingSuccessRate],
    ['enforcing_failure_percentage', out.enforcingFailurePercentage],
    ['failure_percentage_threshold', out.failurePercentageThreshold],
  ] as const) {
    if (v > 100) ctx.error(childPath(path, field), `${v} is out of range 0..100`);
  }
  if (out.intervalMs <= 0) ctx.error(childPath(path, 'interval'), 'must be greater than 0');
  return out;
}

export function decodeCircuitBreakers(
  ctx: DecodeContext,
  c: Cluster,
  path: string,
): CircuitBreakerThresholds[] {
  if (c.circuitBreakers === undefined) return [{ ...DEFAULT_CIRCUIT_BREAKERS }];
  ctx.onlyFields(CircuitBreakersSchema, c.circuitBreakers, path, ['thresholds']);
  const out = c.circuitBreakers.thresholds.map((t, i): CircuitBreakerThresholds => {
    const tp = childPath(childPath(path, 'thresholds'), i);
    // track_remaining only adds remaining_* gauges.
    ctx.onlyFields(CircuitBreakers_ThresholdsSchema, t, tp, [
      'priority',
      'max_connections',
      'max_pending_requests',
      'max_requests',
      'max_retries',
      'retry_budget',
      'track_remaining',
    ]);
    const th: CircuitBreakerThresholds = {
      priority: t.priority === RoutingPriority.HIGH ? 'HIGH' : 'DEFAULT',
      maxConnections: t.maxConnections ?? DEFAULT_CIRCUIT_BREAKERS.maxConnections,
      maxPendingRequests: t.maxPendingRequests ?? DEFAULT_CIRCUIT_BREAKERS.maxPendingRequests,
      maxRequests: t.maxRequests ?? DEFAULT_CIRCUIT_BREAKERS.maxRequests,
      maxRetries: t.maxRetries ?? DEFAULT_CIRCUIT_BREAKERS.maxRetries,
    };
    if (t.retryBudget !== undefined) {
      const bp = childPath(tp, 'retry_budget');
      ctx.onlyFields(CircuitBreakers_Thresholds_RetryBudgetSchema, t.retryBudget, bp, [
        'budget_percent',
        'min_retry_concurrency',
      ]);
      th.retryBudget = {
        budgetPercent: t.retryBudget.budgetPercent?.value ?? CLUSTER_DEFAULTS.retryBudgetPercent,
        minRetryConcurrency: t.retryBudget.minRetryConcurrency ?? CLUSTER_DEFAULTS.retryBudgetMinConcurrency,
      };
    }
    return th;
  });
  const priorities = out.map((t) => t.priority);
  if (new Set(priorities).size !== priorities.length)
    ctx.error(childPath(path, 'thresholds'), 'one entry per priority');
  // The DEFAULT priority always has thresholds: Envoy's defaults when not given.
  if (!priorities.includes('DEFAULT')) out.unshift({ ...DEFAULT_CIRCUIT_BREAKERS });
  return out;
}

export function decodeLbConfig(ctx: DecodeContext, c: Cluster, path: string): LbConfig {
  const out: LbConfig = {
    healthyPanicThreshold: CLUSTER_DEFAULTS.healthyPanicThreshold,
    localityWeighted: false,
  };
  const lb = c.lbConfig;
  if (lb.case === 'ringHashLbConfig') {
    const p = childPath(path, 'ring_hash_lb_config');
    ctx.onlyFields(Cluster_RingHashLbConfigSchema, lb.value, p, ['minimum_ring_size', 'maximum_ring_size']);
    out.ringHash = {
      minimumRingSize: Number(lb.value.minimumRingSize ?? BigInt(CLUSTER_DEFAULTS.ringHashMinimumSize)),
      maximumRingSize: Number(lb.value.maximumRingSize ?? BigInt(CLUSTER_DEFAULTS.ringHashMaximumSize)),
    };
    if (out.ringHash.minimumRingSize > out.ringHash.maximumRingSize) {
      ctx.error(childPath(p, 'minimum_ring_size'), 'must not exceed maximum_ring_size');
    }
  } else if (lb.case === 'maglevLbConfig') {
    const p = childPath(path, 'maglev_lb_config');
    ctx.onlyFields(Cluster_MaglevLbConfigSchema, lb.value, p, ['table_size']);
    out.maglev = { tableSize: Number(lb.value.tableSize ?? BigInt(CLUSTER_DEFAULTS.maglevTableSize)) };
  } else if (lb.case === 'leastRequestLbConfig') {
    const p = childPath(path, 'least_request_lb_config');
    ctx.onlyFields(Cluster_LeastRequestLbConfigSchema, lb.value, p, ['choice_count']);
    out.leastRequest = { choiceCount: lb.value.choiceCount ?? CLUSTER_DEFAULTS.leastRequestChoiceCount };
    if (out.leastRequest.choiceCount < 2) ctx.error(childPath(p, 'choice_count'), 'must be at least 2');
  }
  if (c.commonLbConfig !== undefined) {
    const p = childPath(path, 'common_lb_config');
    ctx.onlyFields(Cluster_CommonLbConfigSchema, c.commonLbConfig, p, [
      'healthy_panic_threshold',
      'locality_weighted_lb_config',
    ]);
    const panic = c.commonLbConfig.healthyPanicThreshold?.value;
    if (panic !== undefined) {
      if (panic < 0 || panic > 100)
        ctx.error(childPath(p, 'healthy_panic_threshold'), `${panic} is out of range 0..100`);
      out.healthyPanicThreshold = panic;
    }
    out.localityWeighted = c.commonLbConfig.localityConfigSpecifier.case === 'localityWeightedLbConfig';
  }
  return out;
}
