// Envoy's per-cluster stats (`cluster.<name>.*`) and per-host stats, named once as lists. The cluster manager
// creates one ClusterStats per cluster when the cluster arrives and bumps fields on the hot path.
import type { Counter, Gauge, Histogram, StatsStore } from './store.js';

export const CLUSTER_COUNTERS = [
  'upstream_cx_total',
  'upstream_cx_http1_total',
  'upstream_cx_http2_total',
  'upstream_cx_connect_fail',
  'upstream_cx_connect_timeout',
  'upstream_cx_overflow',
  'upstream_cx_none_healthy',
  'upstream_cx_pool_overflow',
  'upstream_cx_idle_timeout',
  'upstream_cx_max_requests',
  'upstream_cx_protocol_error',
  'upstream_cx_close_notify',
  'upstream_cx_destroy',
  'upstream_cx_destroy_local',
  'upstream_cx_destroy_remote',
  'upstream_cx_destroy_with_active_rq',
  'upstream_cx_destroy_local_with_active_rq',
  'upstream_cx_destroy_remote_with_active_rq',
  'upstream_cx_rx_bytes_total',
  'upstream_cx_tx_bytes_total',
  'upstream_rq_total',
  'upstream_rq_completed',
  'upstream_rq_pending_total',
  'upstream_rq_pending_overflow',
  'upstream_rq_pending_failure_eject',
  'upstream_rq_cancelled',
  'upstream_rq_maintenance_mode',
  'upstream_rq_timeout',
  'upstream_rq_per_try_timeout',
  'upstream_rq_rx_reset',
  'upstream_rq_tx_reset',
  'upstream_rq_retry',
  'upstream_rq_retry_success',
  'upstream_rq_retry_overflow',
  'upstream_rq_retry_limit_exceeded',
  'upstream_rq_max_duration_reached',
  'retry_or_shadow_abandoned',
  'membership_change',
  'lb_healthy_panic',
  'lb_zone_routing_all_directly',
  'lb_zone_routing_sampled',
  'lb_zone_routing_cross_zone',
  'lb_local_cluster_not_ok',
  'update_attempt',
  'update_success',
  'update_failure',
  'update_empty',
  'update_no_rebuild',
  'assignment_stale',
  'assignment_timeout_received',
  'original_dst_host_invalid',
  'outlier_detection.ejections_total',
  'outlier_detection.ejections_enforced_total',
  'outlier_detection.ejections_overflow',
  'outlier_detection.ejections_detected_consecutive_5xx',
  'outlier_detection.ejections_enforced_consecutive_5xx',
  'outlier_detection.ejections_detected_consecutive_gateway_failure',
  'outlier_detection.ejections_enforced_consecutive_gateway_failure',
  'outlier_detection.ejections_detected_consecutive_local_origin_failure',
  'outlier_detection.ejections_enforced_consecutive_local_origin_failure',
  'outlier_detection.ejections_detected_success_rate',
  'outlier_detection.ejections_enforced_success_rate',
  'outlier_detection.ejections_detected_failure_percentage',
  'outlier_detection.ejections_enforced_failure_percentage',
] as const;

export const CLUSTER_GAUGES = [
  'upstream_cx_active',
  'upstream_cx_rx_bytes_buffered',
  'upstream_cx_tx_bytes_buffered',
  'upstream_rq_active',
  'upstream_rq_pending_active',
  'membership_healthy',
  'membership_degraded',
  'membership_excluded',
  'membership_total',
  'max_host_weight',
  'version',
  'outlier_detection.ejections_active',
  'circuit_breakers.default.cx_open',
  'circuit_breakers.default.cx_pool_open',
  'circuit_breakers.default.rq_pending_open',
  'circuit_breakers.default.rq_open',
  'circuit_breakers.default.rq_retry_open',
  'circuit_breakers.high.cx_open',
  'circuit_breakers.high.cx_pool_open',
  'circuit_breakers.high.rq_pending_open',
  'circuit_breakers.high.rq_open',
  'circuit_breakers.high.rq_retry_open',
] as const;

export const CLUSTER_HISTOGRAMS = [
  'upstream_cx_connect_ms',
  'upstream_cx_length_ms',
  'upstream_rq_time',
] as const;

export type ClusterCounterName = (typeof CLUSTER_COUNTERS)[number];
export type ClusterGaugeName = (typeof CLUSTER_GAUGES)[number];
export type ClusterHistogramName = (typeof CLUSTER_HISTOGRAMS)[number];

/** Builds `{ name: stat }` for a list of names under a prefix: the one place a stat set's names are spelt. */
export function buildStatSet<K extends string, T>(names: readonly K[], make: (name: K) => T): Record<K, T> {
  const out = {} as Record<K, T>;
  for (const n of names) out[n] = make(n);
  return out;
}

/** Counters for each response code and class under one prefix, created on first use (codes 100..599). */
export class ResponseCodeCounters {
  private readonly byCode: (Counter | undefined)[] = [];
  private readonly byClass: (Counter | undefined)[] = [];

  constructor(
    private readonly store: StatsStore,
    /** e.g. `cluster.<name>.upstream_rq_` or `http.<prefix>.downstream_rq_`. */
    private readonly prefix: string,
    private readonly perCode: boolean,
  ) {}

  record(code: number): void {
    const cls = Math.trunc(code / 100);
    if (cls < 1 || cls > 5) return;
    let c = this.byClass[cls];
    if (!c) {
      c = this.store.counter(`${this.prefix}${cls}xx`);
      this.byClass[cls] = c;
    }
    c.inc();
    if (!this.perCode) return;
    let k = this.byCode[code];
    if (!k) {
      k = this.store.counter(`${this.prefix}${code}`);
      this.byCode[code] = k;
    }
    k.inc();
  }
}

export class ClusterStats {
  readonly prefix: string;
  readonly counter: Record<ClusterCounterName, Counter>;
  readonly gauge: Record<ClusterGaugeName, Gauge>;
  readonly histogram: Record<ClusterHistogramName, Histogram>;
  private readonly codes: ResponseCodeCounters;
  private readonly externalCodes: ResponseCodeCounters;
  private readonly internalCodes: ResponseCodeCounters;
  private externalTime: Histogram | undefined;
  private internalTime: Histogram | undefined;

  constructor(
    private readonly store: StatsStore,
    readonly clusterName: string,
  ) {
    store.tagExtractor.declare('cluster', clusterName);
    const p = `cluster.${clusterName}.`;
    this.prefix = p;
    this.counter = buildStatSet(CLUSTER_COUNTERS, (n) => store.counter(p + n));
    this.gauge = buildStatSet(CLUSTER_GAUGES, (n) => store.gauge(p + n));
    this.histogram = buildStatSet(CLUSTER_HISTOGRAMS, (n) => store.histogram(p + n));
    this.codes = new ResponseCodeCounters(store, `${p}upstream_rq_`, true);
    this.externalCodes = new ResponseCodeCounters(store, `${p}external.upstream_rq_`, true);
    this.internalCodes = new ResponseCodeCounters(store, `${p}internal.upstream_rq_`, true);
  }

  /**
   * One finished upstream request, as Envoy's router counts it: upstream_rq_<code>, upstream_rq_<class>xx,
   * upstream_rq_completed, upstream_rq_time (ms), and the same under `internal.`/`external.` by the
   * request's origin (x-envoy-internal).
   */
  recordResponse(code: number, durationMs: number, internal = false): void {
    this.codes.record(code);
    this.counter.upstream_rq_completed.inc();
    this.histogram.upstream_rq_time.record(durationMs);
    if (internal) {
      this.internalCodes.record(code);
      this.internalTime ??= this.store.histogram(`${this.prefix}internal.upstream_rq_time`);
      this.internalTime.record(durationMs);
    } else {
      this.externalCodes.record(code);
      this.externalTime ??= this.store.histogram(`${this.prefix}external.upstream_rq_time`);
      this.externalTime.record(durationMs);
    }
  }

  /** Removes the cluster's stats from the store (cluster removed by CDS). */
  delete(): void {
    this.store.deleteByPrefix(this.prefix);
  }
}

/**
 * Envoy's per-host stats: not in the store (they would multiply series), shown by /clusters. Counters and
 * gauges are plain fields the connection pool and router bump.
 */
export class HostStats {
  cxConnectFail = 0;
  cxTotal = 0;
  rqError = 0;
  rqSuccess = 0;
  rqTimeout = 0;
  rqTotal = 0;
  cxActive = 0;
  rqActive = 0;

  /** Envoy's names and values, sorted by name as /clusters prints them. */
  entries(): { name: string; value: number; type: 'COUNTER' | 'GAUGE' }[] {
    return [
      { name: 'cx_active', value: this.cxActive, type: 'GAUGE' },
      { name: 'cx_connect_fail', value: this.cxConnectFail, type: 'COUNTER' },
      { name: 'cx_total', value: this.cxTotal, type: 'COUNTER' },
      { name: 'rq_active', value: this.rqActive, type: 'GAUGE' },
      { name: 'rq_error', value: this.rqError, type: 'COUNTER' },
      { name: 'rq_success', value: this.rqSuccess, type: 'COUNTER' },
      { name: 'rq_timeout', value: this.rqTimeout, type: 'COUNTER' },
      { name: 'rq_total', value: this.rqTotal, type: 'COUNTER' },
    ];
  }
}
