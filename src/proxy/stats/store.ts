// The proxy's stats store: counters, gauges and histograms named as Envoy names them
// (`cluster.<name>.upstream_rq_total`, `http.<prefix>.downstream_rq_2xx`). Hot paths keep a reference to
// the stat object (created once, at config time) and bump a number field: no lookups per request.

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
  record(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class StatsStore {
  readonly counters = new Map<string, Counter>();
  readonly gauges = new Map<string, Gauge>();
  readonly histograms = new Map<string, Histogram>();

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      c = new Counter(name);
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string): Gauge {
    let g = this.gauges.get(name);
    if (!g) {
      g = new Gauge(name);
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
}
