// Decodes Envoy's Cluster (discovery type, load balancing, circuit breakers, outlier detection, upstream
// protocol, TLS) into the cluster manager's Cluster, applying Envoy's defaults.
import { isIP } from 'node:net';
import { childPath, type Result } from '../../common/result.js';
import {
  CircuitBreakers_Thresholds_RetryBudgetSchema,
  CircuitBreakers_ThresholdsSchema,
  CircuitBreakersSchema,
} from '../../generated/envoy/config/cluster/v3/circuit_breaker_pb.js';
import {
  type Cluster,
  Cluster_ClusterProtocolSelection,
  Cluster_CommonLbConfigSchema,
  Cluster_DiscoveryTypeSchema,
  Cluster_DnsLookupFamilySchema,
  Cluster_EdsClusterConfigSchema,
  Cluster_LbPolicySchema,
  Cluster_LeastRequestLbConfigSchema,
  Cluster_MaglevLbConfigSchema,
  Cluster_RingHashLbConfigSchema,
  ClusterSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import {
  type OutlierDetection,
  OutlierDetectionSchema,
} from '../../generated/envoy/config/cluster/v3/outlier_detection_pb.js';
import { RoutingPriority } from '../../generated/envoy/config/core/v3/base_pb.js';
import {
  type HttpProtocolOptions as CoreHttpProtocolOptions,
  HttpProtocolOptionsSchema as CoreHttpProtocolOptionsSchema,
  Http1ProtocolOptionsSchema,
  Http2ProtocolOptionsSchema,
} from '../../generated/envoy/config/core/v3/protocol_pb.js';
import {
  type HttpProtocolOptions,
  HttpProtocolOptions_ExplicitHttpConfigSchema,
  HttpProtocolOptions_UseDownstreamHttpConfigSchema,
  HttpProtocolOptionsSchema,
} from '../../generated/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import {
  type CircuitBreakerThresholds,
  DEFAULT_CIRCUIT_BREAKERS,
  type Cluster as DomainCluster,
  type OutlierDetection as DomainOutlierDetection,
  type LbConfig,
  type UpstreamProtocol,
} from '../config/cluster.js';
import { decodeMetadata } from './decode-common.js';
import {
  DecodeContext,
  type DecodeOptions,
  durationMs,
  NOT_SUPPORTED,
  supportedEnum,
} from './decode-context.js';
import { decodeClusterLoadAssignmentInto } from './decode-endpoint.js';
import { checkAdsConfigSource } from './decode-network-filters.js';
import { decodeUpstreamTransportSocket } from './decode-tls.js';

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

const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** Envoy's outlier detection defaults. */
export function defaultOutlierDetection(): DomainOutlierDetection {
  return {
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
}

function decodeOutlierDetection(
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

function decodeCircuitBreakers(ctx: DecodeContext, c: Cluster, path: string): CircuitBreakerThresholds[] {
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

function decodeLbConfig(ctx: DecodeContext, c: Cluster, path: string): LbConfig {
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

/** HTTP protocol settings that may come from the typed extension options or Envoy's deprecated cluster fields. */
interface UpstreamHttp {
  protocol: UpstreamProtocol;
  common?: CoreHttpProtocolOptions;
}

function checkCommonHttp(ctx: DecodeContext, o: CoreHttpProtocolOptions, path: string): void {
  ctx.onlyFields(CoreHttpProtocolOptionsSchema, o, path, ['idle_timeout', 'max_requests_per_connection']);
}

function decodeUpstreamHttp(ctx: DecodeContext, c: Cluster, path: string): UpstreamHttp {
  const result: UpstreamHttp = { protocol: 'http1' };
  // Envoy's deprecated cluster-level fields.
  if (c.http2ProtocolOptions !== undefined) {
    ctx.onlyFields(
      Http2ProtocolOptionsSchema,
      c.http2ProtocolOptions,
      childPath(path, 'http2_protocol_options'),
      [],
    );
    result.protocol = 'http2';
  }
  if (c.httpProtocolOptions !== undefined) {
    ctx.onlyFields(
      Http1ProtocolOptionsSchema,
      c.httpProtocolOptions,
      childPath(path, 'http_protocol_options'),
      [],
    );
  }
  if (c.protocolSelection === Cluster_ClusterProtocolSelection.USE_DOWNSTREAM_PROTOCOL)
    result.protocol = 'downstream';
  if (c.commonHttpProtocolOptions !== undefined) {
    checkCommonHttp(ctx, c.commonHttpProtocolOptions, childPath(path, 'common_http_protocol_options'));
    result.common = c.commonHttpProtocolOptions;
  }
  for (const [key, any] of Object.entries(c.typedExtensionProtocolOptions)) {
    const kp = childPath(childPath(path, 'typed_extension_protocol_options'), key);
    if (key !== HTTP_PROTOCOL_OPTIONS_KEY) {
      ctx.error(kp, NOT_SUPPORTED);
      continue;
    }
    const o = ctx.unpackAs(any, kp, HttpProtocolOptionsSchema) as HttpProtocolOptions | undefined;
    if (o === undefined) continue;
    ctx.onlyFields(HttpProtocolOptionsSchema, o, kp, [
      'common_http_protocol_options',
      'explicit_http_config',
      'use_downstream_protocol_config',
    ]);
    if (o.commonHttpProtocolOptions !== undefined) {
      checkCommonHttp(ctx, o.commonHttpProtocolOptions, childPath(kp, 'common_http_protocol_options'));
      result.common = o.commonHttpProtocolOptions;
    }
    const spec = o.upstreamProtocolOptions;
    if (spec.case === 'explicitHttpConfig') {
      const ep = childPath(kp, 'explicit_http_config');
      ctx.onlyFields(HttpProtocolOptions_ExplicitHttpConfigSchema, spec.value, ep, [
        'http_protocol_options',
        'http2_protocol_options',
      ]);
      const pc = spec.value.protocolConfig;
      if (pc.case === 'http2ProtocolOptions') {
        ctx.onlyFields(Http2ProtocolOptionsSchema, pc.value, childPath(ep, 'http2_protocol_options'), []);
        result.protocol = 'http2';
      } else if (pc.case === 'httpProtocolOptions') {
        ctx.onlyFields(Http1ProtocolOptionsSchema, pc.value, childPath(ep, 'http_protocol_options'), []);
        result.protocol = 'http1';
      } else ctx.error(ep, 'one of http_protocol_options or http2_protocol_options is required');
    } else if (spec.case === 'useDownstreamProtocolConfig') {
      const dp = childPath(kp, 'use_downstream_protocol_config');
      ctx.onlyFields(HttpProtocolOptions_UseDownstreamHttpConfigSchema, spec.value, dp, [
        'http_protocol_options',
        'http2_protocol_options',
      ]);
      if (spec.value.httpProtocolOptions) {
        ctx.onlyFields(
          Http1ProtocolOptionsSchema,
          spec.value.httpProtocolOptions,
          childPath(dp, 'http_protocol_options'),
          [],
        );
      }
      if (spec.value.http2ProtocolOptions) {
        ctx.onlyFields(
          Http2ProtocolOptionsSchema,
          spec.value.http2ProtocolOptions,
          childPath(dp, 'http2_protocol_options'),
          [],
        );
      }
      result.protocol = 'downstream';
    }
  }
  return result;
}

export function decodeClusterInto(ctx: DecodeContext, c: Cluster, path: string): DomainCluster {
  ctx.onlyFields(ClusterSchema, c, path, [
    'name',
    'alt_stat_name',
    'type',
    'eds_cluster_config',
    'connect_timeout',
    'lb_policy',
    'load_assignment',
    'max_requests_per_connection',
    'circuit_breakers',
    'common_http_protocol_options',
    'http_protocol_options',
    'http2_protocol_options',
    'typed_extension_protocol_options',
    'dns_refresh_rate',
    'dns_lookup_family',
    'outlier_detection',
    'ring_hash_lb_config',
    'maglev_lb_config',
    'least_request_lb_config',
    'common_lb_config',
    'transport_socket',
    'metadata',
    'protocol_selection',
  ]);
  if (c.name === '') ctx.error(childPath(path, 'name'), 'required');
  if (c.clusterDiscoveryType.case === 'clusterType')
    ctx.error(childPath(path, 'cluster_type'), NOT_SUPPORTED);
  const typeValue = c.clusterDiscoveryType.case === 'type' ? c.clusterDiscoveryType.value : 0;
  const type = supportedEnum(
    ctx,
    Cluster_DiscoveryTypeSchema,
    typeValue,
    childPath(path, 'type'),
    ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'],
    'STATIC',
  );
  const lbPolicy = supportedEnum(
    ctx,
    Cluster_LbPolicySchema,
    c.lbPolicy,
    childPath(path, 'lb_policy'),
    ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV', 'CLUSTER_PROVIDED'],
    'ROUND_ROBIN',
  );
  if ((type === 'ORIGINAL_DST') !== (lbPolicy === 'CLUSTER_PROVIDED')) {
    ctx.error(childPath(path, 'lb_policy'), 'CLUSTER_PROVIDED goes with (and only with) type ORIGINAL_DST');
  }
  const http = decodeUpstreamHttp(ctx, c, path);
  const connectTimeoutMs = durationMs(c.connectTimeout, CLUSTER_DEFAULTS.connectTimeoutMs);
  if (connectTimeoutMs <= 0) ctx.error(childPath(path, 'connect_timeout'), 'must be greater than 0');
  const cluster: DomainCluster = {
    name: c.name,
    type,
    connectTimeoutMs,
    lbPolicy,
    lbConfig: decodeLbConfig(ctx, c, path),
    circuitBreakers: decodeCircuitBreakers(ctx, c, childPath(path, 'circuit_breakers')),
    upstreamProtocol: http.protocol,
    idleTimeoutMs: durationMs(http.common?.idleTimeout, CLUSTER_DEFAULTS.idleTimeoutMs),
    dnsRefreshRateMs: durationMs(c.dnsRefreshRate, CLUSTER_DEFAULTS.dnsRefreshRateMs),
    dnsLookupFamily: supportedEnum(
      ctx,
      Cluster_DnsLookupFamilySchema,
      c.dnsLookupFamily,
      childPath(path, 'dns_lookup_family'),
      ['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'],
      'AUTO',
    ),
    metadata: decodeMetadata(ctx, c.metadata, childPath(path, 'metadata')),
  };
  const maxRequests = http.common?.maxRequestsPerConnection ?? c.maxRequestsPerConnection;
  if (maxRequests !== undefined && maxRequests > 0) cluster.maxRequestsPerConnection = maxRequests;
  if (c.altStatName !== '') cluster.altStatName = c.altStatName;
  if (c.edsClusterConfig !== undefined) {
    const ep = childPath(path, 'eds_cluster_config');
    if (type !== 'EDS') ctx.error(ep, 'only for type EDS');
    ctx.onlyFields(Cluster_EdsClusterConfigSchema, c.edsClusterConfig, ep, ['eds_config', 'service_name']);
    checkAdsConfigSource(ctx, c.edsClusterConfig.edsConfig, childPath(ep, 'eds_config'));
    if (c.edsClusterConfig.serviceName !== '') cluster.edsServiceName = c.edsClusterConfig.serviceName;
  } else if (type === 'EDS') {
    ctx.error(childPath(path, 'eds_cluster_config'), 'required for type EDS');
  }
  if (c.loadAssignment !== undefined) {
    const lp = childPath(path, 'load_assignment');
    if (type === 'EDS' || type === 'ORIGINAL_DST') ctx.error(lp, `not used by ${type} clusters`);
    cluster.loadAssignment = decodeClusterLoadAssignmentInto(ctx, c.loadAssignment, lp);
    const endpoints = cluster.loadAssignment.localities.flatMap((l) => l.endpoints);
    if (type === 'LOGICAL_DNS' && endpoints.length !== 1)
      ctx.error(lp, 'LOGICAL_DNS clusters take exactly one endpoint');
    if (type === 'STATIC') {
      endpoints.forEach((e) => {
        if (e.address.host !== '' && isIP(e.address.host) === 0) {
          ctx.error(
            lp,
            `STATIC cluster endpoint "${e.address.host}" must be an IP address (use STRICT_DNS for names)`,
          );
        }
      });
    }
  } else if (type === 'STATIC' || type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
    ctx.error(childPath(path, 'load_assignment'), `required for type ${type}`);
  }
  if (c.outlierDetection !== undefined) {
    cluster.outlierDetection = decodeOutlierDetection(
      ctx,
      c.outlierDetection,
      childPath(path, 'outlier_detection'),
    );
  }
  if (c.transportSocket !== undefined) {
    const tls = decodeUpstreamTransportSocket(ctx, c.transportSocket, childPath(path, 'transport_socket'));
    if (tls !== undefined) cluster.tls = tls;
  }
  return cluster;
}

/** Decodes one CDS resource. */
export function decodeCluster(c: Cluster, options?: DecodeOptions): Result<DomainCluster> {
  const ctx = new DecodeContext(options);
  const value = decodeClusterInto(ctx, c, '');
  return ctx.result(value);
}
