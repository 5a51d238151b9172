// The proxy's stats store: counters, gauges and histograms named as Envoy names them
// (`cluster.<name>.upstream_rq_total`, `http.<prefix>.downstream_rq_2xx`). Hot paths keep a reference to
// the stat object (created once, at config time) and bump a number field: no lookups per request.
// Rendering (text, JSON, Prometheus) lives beside it; tag extraction is memoized per name in `tagExtractor`.
import { TagExtractor } from './tags.js';

export class Counter {
  value = 0;
  constructor(readonly name: string) {}
  inc(n = 1): void {
    this.value += n;
  }
}

export class Gauge {
  value = 0;
  constructor(readonly name: string) {}
  set(v: number): void {
    this.value = v;
  }
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
}

/** Envoy's default histogram bucket bounds, in the histogram's unit (milliseconds for durations). */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

export class Histogram {
  /** counts[i] = samples ≤ bounds[i] and > bounds[i-1]; the last slot counts samples above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly name: string,
    readonly bounds: readonly number[] = DEFAULT_BUCKETS,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  /** Smallest and largest sample ever recorded (Infinity / -Infinity before the first). */
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Per-bucket counts of the last closed interval (Envoy's "interval" statistics); null before the first close. */
  intervalCounts: Float64Array | null = null;
  intervalSum = 0;
  intervalCount = 0;
  /** Smallest and largest sample of the last closed interval. */
  intervalMin = Number.POSITIVE_INFINITY;
  intervalMax = Number.NEGATIVE_INFINITY;
  private runningMin = Number.POSITIVE_INFINITY;
  private runningMax = Number.NEGATIVE_INFINITY;
  private lastCounts: Float64Array | null = null;
  private lastSum = 0;
  private lastCount = 0;

  record(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v < this.runningMin) this.runningMin = v;
    if (v > this.runningMax) this.runningMax = v;
  }

  /** Ends the current interval: what was recorded since the previous close becomes the interval view. */
  closeInterval(): void {
    const last = this.lastCounts ?? new Float64Array(this.counts.length);
    const interval = this.intervalCounts ?? new Float64Array(this.counts.length);
    for (let i = 0; i < this.counts.length; i++) {
      interval[i] = this.counts[i] - last[i];
      last[i] = this.counts[i];
    }
    this.intervalCounts = interval;
    this.lastCounts = last;
    this.intervalSum = this.sum - this.lastSum;
    this.intervalCount = this.count - this.lastCount;
    this.lastSum = this.sum;
    this.lastCount = this.count;
    this.intervalMin = this.runningMin;
    this.intervalMax = this.runningMax;
    this.runningMin = Number.POSITIVE_INFINITY;
    this.runningMax = Number.NEGATIVE_INFINITY;
  }
}

export class StatsStore {
  readonly counters = new Map<string, Counter>();
  readonly gauges = new Map<string, Gauge>();
  readonly histograms = new Map<string, Histogram>();
  /** Splits names into Envoy's tag-extracted name + tags for Prometheus; declare dotted scope values on it. */
  readonly tagExtractor = new TagExtractor();

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      c = new Counter(name);
      this.tagExtractor.learn(name);
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string): Gauge {
    let g = this.gauges.get(name);
    if (!g) {
      g = new Gauge(name);
      this.tagExtractor.learn(name);
      this.gauges.set(name, g);
    }
    return g;
  }

  histogram(name: string, bounds?: readonly number[]): Histogram {
    let h = this.histograms.get(name);
    if (!h) {
      h = new Histogram(name, bounds);
      this.histograms.set(name, h);
    }
    return h;
  }

  /** Closes every histogram's interval; the owner calls this every stats flush interval (Envoy: 5 s). */
  flushIntervals(): void {
    for (const h of this.histograms.values()) h.closeInterval();
  }

  /**
   * Deletes every stat whose name starts with `prefix` (e.g. `cluster.<name>.` when a cluster is removed).
   * Holders of the deleted objects may keep bumping them; they are just no longer reported.
   */
  deleteByPrefix(prefix: string): number {
    let n = 0;
    for (const map of [this.counters, this.gauges, this.histograms] as Map<string, unknown>[]) {
      for (const name of map.keys()) {
        if (name.startsWith(prefix)) {
          map.delete(name);
          this.tagExtractor.forget(name);
          n++;
        }
      }
    }
    return n;
  }
}
