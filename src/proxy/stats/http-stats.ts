// Envoy's downstream stats, named once as lists: the HTTP connection manager's (`http.<stat_prefix>.*`, with
// the router's no_route/no_cluster beside them), the listener's (`listener.<address>.*`, including its
// per-HCM `listener.<address>.http.<prefix>.downstream_rq_<class>xx`) and the TCP proxy's (`tcp.<prefix>.*`).
import { buildStatSet, ResponseCodeCounters } from './cluster-stats.js';
import type { Counter, Gauge, Histogram, StatsStore } from './store.js';

export const HTTP_COUNTERS = [
  'downstream_cx_total',
  'downstream_cx_ssl_total',
  'downstream_cx_http1_total',
  'downstream_cx_http2_total',
  'downstream_cx_upgrades_total',
  'downstream_cx_destroy',
  'downstream_cx_destroy_remote',
  'downstream_cx_destroy_local',
  'downstream_cx_destroy_active_rq',
  'downstream_cx_destroy_local_active_rq',
  'downstream_cx_destroy_remote_active_rq',
  'downstream_cx_protocol_error',
  'downstream_cx_rx_bytes_total',
  'downstream_cx_tx_bytes_total',
  'downstream_cx_drain_close',
  'downstream_cx_idle_timeout',
  'downstream_cx_max_duration_reached',
  'downstream_rq_total',
  'downstream_rq_http1_total',
  'downstream_rq_http2_total',
  'downstream_rq_completed',
  'downstream_rq_response_before_rq_complete',
  'downstream_rq_rx_reset',
  'downstream_rq_tx_reset',
  'downstream_rq_non_relative_path',
  'downstream_rq_too_large',
  'downstream_rq_idle_timeout',
  'downstream_rq_timeout',
  'downstream_rq_header_timeout',
  'downstream_rq_max_duration_reached',
  'downstream_rq_ws_on_non_ws_route',
  'downstream_rq_overload_close',
  'rs_too_large',
  // The router filter's stats share the HCM's prefix.
  'no_route',
  'no_cluster',
  'rq_redirect',
  'rq_direct_response',
  'rq_total',
  'rq_reset_after_downstream_response_started',
] as const;

export const HTTP_GAUGES = [
  'downstream_cx_active',
  'downstream_cx_ssl_active',
  'downstream_cx_http1_active',
  'downstream_cx_http2_active',
  'downstream_cx_upgrades_active',
  'downstream_cx_rx_bytes_buffered',
  'downstream_cx_tx_bytes_buffered',
  'downstream_rq_active',
] as const;

export const HTTP_HISTOGRAMS = ['downstream_cx_length_ms', 'downstream_rq_time'] as const;

export type HttpCounterName = (typeof HTTP_COUNTERS)[number];
export type HttpGaugeName = (typeof HTTP_GAUGES)[number];
export type HttpHistogramName = (typeof HTTP_HISTOGRAMS)[number];

export const LISTENER_COUNTERS = [
  'downstream_cx_total',
  'downstream_cx_destroy',
  'downstream_cx_overflow',
  'downstream_cx_overload_reject',
  'downstream_global_cx_overflow',
  'downstream_pre_cx_timeout',
  'no_filter_chain_match',
  'server_ssl_socket_factory.downstream_context_secrets_not_ready',
  'ssl.connection_error',
  'ssl.handshake',
  'ssl.no_certificate',
  'ssl.fail_verify_san',
  'ssl.fail_verify_error',
] as const;
export const LISTENER_GAUGES = ['downstream_cx_active', 'downstream_pre_cx_active'] as const;
export const LISTENER_HISTOGRAMS = ['downstream_cx_length_ms'] as const;

export const TCP_COUNTERS = [
  'downstream_cx_total',
  'downstream_cx_no_route',
  'downstream_cx_rx_bytes_total',
  'downstream_cx_tx_bytes_total',
  'downstream_flow_control_paused_reading_total',
  'downstream_flow_control_resumed_reading_total',
  'idle_timeout',
  'max_downstream_connection_duration',
  'upstream_flush_total',
] as const;
export const TCP_GAUGES = [
  'downstream_cx_rx_bytes_buffered',
  'downstream_cx_tx_bytes_buffered',
  'upstream_flush_active',
] as const;

/** Envoy's stat name for a listener address: `0.0.0.0_15006`, `[::]_80` (colon before the port → `_`). */
export function listenerStatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]_${port}` : `${host}_${port}`;
}

export class ListenerStats {
  readonly prefix: string;
  readonly counter: Record<(typeof LISTENER_COUNTERS)[number], Counter>;
  readonly gauge: Record<(typeof LISTENER_GAUGES)[number], Gauge>;
  readonly histogram: Record<(typeof LISTENER_HISTOGRAMS)[number], Histogram>;

  constructor(
    private readonly store: StatsStore,
    /** From listenerStatAddress(), or the listener's stat_prefix when it has one. */
    readonly address: string,
  ) {
    store.tagExtractor.declare('listener', address);
    const p = `listener.${address}.`;
    this.prefix = p;
    this.counter = buildStatSet(LISTENER_COUNTERS, (n) => store.counter(p + n));
    this.gauge = buildStatSet(LISTENER_GAUGES, (n) => store.gauge(p + n));
    this.histogram = buildStatSet(LISTENER_HISTOGRAMS, (n) => store.histogram(p + n));
  }

  delete(): void {
    this.store.deleteByPrefix(this.prefix);
  }
}

export class HttpConnManagerStats {
  readonly prefix: string;
  readonly counter: Record<HttpCounterName, Counter>;
  readonly gauge: Record<HttpGaugeName, Gauge>;
  readonly histogram: Record<HttpHistogramName, Histogram>;
  private readonly classes: ResponseCodeCounters;
  private readonly listenerClasses: ResponseCodeCounters | undefined;
  private readonly listenerCompleted: Counter | undefined;

  /**
   * @param statPrefix the HCM's stat_prefix (Istio: `inbound_0.0.0.0_9080`, `outbound_0.0.0.0_9080`)
   * @param listener when given, also counts `listener.<address>.http.<prefix>.downstream_rq_<class>xx`
   */
  constructor(
    private readonly store: StatsStore,
    readonly statPrefix: string,
    listener?: ListenerStats,
  ) {
    store.tagExtractor.declare('http', statPrefix);
    const p = `http.${statPrefix}.`;
    this.prefix = p;
    this.counter = buildStatSet(HTTP_COUNTERS, (n) => store.counter(p + n));
    this.gauge = buildStatSet(HTTP_GAUGES, (n) => store.gauge(p + n));
    this.histogram = buildStatSet(HTTP_HISTOGRAMS, (n) => store.histogram(p + n));
    this.classes = new ResponseCodeCounters(store, `${p}downstream_rq_`, false);
    if (listener) {
      const lp = `${listener.prefix}http.${statPrefix}.`;
      this.listenerClasses = new ResponseCodeCounters(store, `${lp}downstream_rq_`, false);
      this.listenerCompleted = store.counter(`${lp}downstream_rq_completed`);
    }
  }

  /** One finished downstream request: downstream_rq_<class>xx, downstream_rq_completed, downstream_rq_time (ms). */
  recordResponse(code: number, durationMs: number): void {
    this.classes.record(code);
    this.counter.downstream_rq_completed.inc();
    this.histogram.downstream_rq_time.record(durationMs);
    if (this.listenerClasses) {
      this.listenerClasses.record(code);
      this.listenerCompleted!.inc();
    }
  }

  delete(): void {
    this.store.deleteByPrefix(this.prefix);
  }
}

export class TcpProxyStats {
  readonly prefix: string;
  readonly counter: Record<(typeof TCP_COUNTERS)[number], Counter>;
  readonly gauge: Record<(typeof TCP_GAUGES)[number], Gauge>;

  constructor(
    private readonly store: StatsStore,
    readonly statPrefix: string,
  ) {
    store.tagExtractor.declare('tcp', statPrefix);
    const p = `tcp.${statPrefix}.`;
    this.prefix = p;
    this.counter = buildStatSet(TCP_COUNTERS, (n) => store.counter(p + n));
    this.gauge = buildStatSet(TCP_GAUGES, (n) => store.gauge(p + n));
  }

  delete(): void {
    this.store.deleteByPrefix(this.prefix);
  }
}
