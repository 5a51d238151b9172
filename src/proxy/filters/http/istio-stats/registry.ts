// The process-wide store of Istio's standard metrics: series grouped under a "head" (the labels up to
// destination_cluster, shared by every filter with the same label values) and found inside it by a short
// key of the per-request labels; Envoy's histogram buckets; and the Prometheus exposition of it all
// (one # TYPE per family, cumulative _bucket/_sum/_count), appended to the admin's /stats/prometheus.
import { formatSampleValue, type PrometheusSource } from '../../../stats/prometheus.js';
import { DEFAULT_BUCKETS, type StatsStore } from '../../../stats/store.js';
import { HEAD_LABELS, renderLabels } from './labels.js';

/** Per-request labels after the head, HTTP and TCP (Istio's order). */
export const HTTP_TAIL_LABELS = [
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;
export const TCP_TAIL_LABELS = ['request_protocol', 'response_flags', 'connection_security_policy'] as const;

/**
 * A cumulative-on-render bucket histogram at Envoy's default bounds (ms for durations, bytes for sizes).
 * Lighter than stats/store's Histogram (no interval view, no min/max): three of these exist per series.
 */
export class BucketHistogram {
  readonly counts = new Float64Array(DEFAULT_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  record(v: number): void {
    let i = 0;
    while (i < DEFAULT_BUCKETS.length && v > DEFAULT_BUCKETS[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export const HTTP_REQUESTS = 1;
export const HTTP_DURATION = 2;
export const HTTP_REQUEST_BYTES = 4;
export const HTTP_RESPONSE_BYTES = 8;

export class HttpSeries {
  requests = 0;
  readonly duration = new BucketHistogram();
  readonly requestBytes = new BucketHistogram();
  readonly responseBytes = new BucketHistogram();
  /** Which metrics were ever recorded (HTTP_* bits): a dropped metric never is, and never prints. */
  seen = 0;
  constructor(readonly labels: string) {}
}

export class TcpSeries {
  sent = 0;
  received = 0;
  opened = 0;
  closed = 0;
  /** Which of the four were ever recorded (bits in TCP_FAMILIES order). */
  seen = 0;
  constructor(readonly labels: string) {}
}

/** The series sharing one head label set. */
export class Head {
  readonly http = new Map<string, HttpSeries>();
  /** The same series for plain HTTP requests without flags, by response code (the common case). */
  readonly plainHttp = new Map<number, HttpSeries>();
  readonly tcp = new Map<string, TcpSeries>();
  constructor(
    private readonly registry: IstioMetrics,
    /** `reporter="…",…,destination_cluster="…"`. */
    readonly labels: string,
  ) {}

  /** The HTTP series for this head and the per-request values (keyed by them joined). */
  httpSeries(key: string, tail: readonly string[]): HttpSeries {
    let s = this.http.get(key);
    if (s === undefined) {
      s = new HttpSeries(`${this.labels},${renderLabels(HTTP_TAIL_LABELS, tail)}`);
      this.http.set(key, s);
      this.registry.httpList.push(s);
    }
    return s;
  }

  tcpSeries(key: string, tail: readonly string[]): TcpSeries {
    let s = this.tcp.get(key);
    if (s === undefined) {
      s = new TcpSeries(`${this.labels},${renderLabels(TCP_TAIL_LABELS, tail)}`);
      this.tcp.set(key, s);
      this.registry.tcpList.push(s);
    }
    return s;
  }
}

function renderHistograms(
  out: string[],
  name: string,
  series: readonly HttpSeries[],
  bit: number,
  pick: (s: HttpSeries) => BucketHistogram,
): void {
  let typed = false;
  for (const s of series) {
    if ((s.seen & bit) === 0) continue;
    const h = pick(s);
    if (!typed) {
      out.push(`# TYPE ${name} histogram\n`);
      typed = true;
    }
    let cumulative = 0;
    for (let i = 0; i < DEFAULT_BUCKETS.length; i++) {
      cumulative += h.counts[i];
      out.push(`${name}_bucket{${s.labels},le="${DEFAULT_BUCKETS[i]}"} ${cumulative}\n`);
    }
    out.push(`${name}_bucket{${s.labels},le="+Inf"} ${h.count}\n`);
    out.push(`${name}_sum{${s.labels}} ${formatSampleValue(h.sum)}\n`);
    out.push(`${name}_count{${s.labels}} ${h.count}\n`);
  }
}

const TCP_FAMILIES: readonly [string, (s: TcpSeries) => number][] = [
  ['istio_tcp_sent_bytes_total', (s) => s.sent],
  ['istio_tcp_received_bytes_total', (s) => s.received],
  ['istio_tcp_connections_opened_total', (s) => s.opened],
  ['istio_tcp_connections_closed_total', (s) => s.closed],
];
export const TCP_SENT = 1;
export const TCP_RECEIVED = 2;
export const TCP_OPENED = 4;
export const TCP_CLOSED = 8;

export class IstioMetrics {
  private readonly heads = new Map<string, Head>();
  /** Every series in creation order (rendering walks these, never the maps). */
  readonly httpList: HttpSeries[] = [];
  readonly tcpList: TcpSeries[] = [];

  /** The head for HEAD_LABELS values, shared across filters. */
  head(values: readonly string[]): Head {
    const labels = renderLabels(HEAD_LABELS, values);
    let h = this.heads.get(labels);
    if (h === undefined) {
      h = new Head(this, labels);
      this.heads.set(labels, h);
    }
    return h;
  }

  /** Prometheus text exposition of every family with at least one series ('' when none). */
  render(): string {
    const out: string[] = [];
    const http = this.httpList;
    const counted = http.filter((s) => (s.seen & HTTP_REQUESTS) !== 0);
    if (counted.length > 0) {
      out.push('# TYPE istio_requests_total counter\n');
      for (const s of counted) out.push(`istio_requests_total{${s.labels}} ${s.requests}\n`);
    }
    renderHistograms(out, 'istio_request_duration_milliseconds', http, HTTP_DURATION, (s) => s.duration);
    renderHistograms(out, 'istio_request_bytes', http, HTTP_REQUEST_BYTES, (s) => s.requestBytes);
    renderHistograms(out, 'istio_response_bytes', http, HTTP_RESPONSE_BYTES, (s) => s.responseBytes);
    TCP_FAMILIES.forEach(([name, value], bit) => {
      const chosen = this.tcpList.filter((s) => (s.seen & (1 << bit)) !== 0);
      if (chosen.length === 0) return;
      out.push(`# TYPE ${name} counter\n`);
      for (const s of chosen) out.push(`${name}{${s.labels}} ${value(s)}\n`);
    });
    return out.join('');
  }
}

const perStore = new WeakMap<StatsStore, IstioMetrics>();

/** The Istio metrics of a proxy (one per stats store, so filters of every listener share it). */
export function istioMetricsOf(store: StatsStore): IstioMetrics {
  let m = perStore.get(store);
  if (m === undefined) {
    m = new IstioMetrics();
    perStore.set(store, m);
  }
  return m;
}

/** What the admin appends to /stats/prometheus: `admin.addPrometheusSource(istioPrometheusSource(stats))`. */
export function istioPrometheusSource(store: StatsStore): PrometheusSource {
  return () => istioMetricsOf(store).render();
}
