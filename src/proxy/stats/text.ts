// Envoy's /stats outputs: the plain text form (`name: value`, counters and gauges merged in name order, then
// histograms as quantile summaries) and the `?format=json` form.
import { cumulativeQuantiles, intervalQuantiles, quantileSummary, SUPPORTED_QUANTILES } from './quantiles.js';
import type { Histogram, StatsStore } from './store.js';

export type StatsTypeFilter = 'All' | 'Counters' | 'Gauges' | 'Histograms';

export interface StatsQuery {
  /** Keeps a stat when true; the admin builds it from `?filter=<RE2>` (a partial match, as Envoy's). */
  filter?: (name: string) => boolean;
  /** Envoy's `?usedonly`: counters above zero, gauges not zero, histograms with samples. */
  usedOnly?: boolean;
  type?: StatsTypeFilter;
  /** Envoy's ?histogram_buckets=: bucket counts instead of quantiles (text form only). */
  histogramBuckets?: 'cumulative' | 'disjoint';
}

/** `B<bound>(interval,cumulative)` per bucket; cumulative counts samples ≤ bound, disjoint those in the bucket. */
export function bucketSummary(h: Histogram, mode: 'cumulative' | 'disjoint'): string {
  const parts: string[] = [];
  let runInterval = 0;
  let runTotal = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    const iv = h.intervalCounts ? h.intervalCounts[i] : 0;
    const tot = h.counts[i];
    runInterval += iv;
    runTotal += tot;
    const [a, b] = mode === 'cumulative' ? [runInterval, runTotal] : [iv, tot];
    parts.push(`B${h.bounds[i]}(${a},${b})`);
  }
  return parts.join(' ');
}

interface Selected {
  /** Counters and gauges, merged, sorted by name. */
  scalars: { name: string; value: number }[];
  histograms: Histogram[];
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The stats a query selects, in Envoy's output order. Shared with the Prometheus renderer's filter. */
export function selectStats(store: StatsStore, q: StatsQuery = {}): Selected {
  const type = q.type ?? 'All';
  const keep = q.filter ?? (() => true);
  const scalars: { name: string; value: number }[] = [];
  if (type === 'All' || type === 'Counters') {
    for (const c of store.counters.values()) {
      if ((!q.usedOnly || c.value > 0) && keep(c.name)) scalars.push(c);
    }
  }
  if (type === 'All' || type === 'Gauges') {
    for (const g of store.gauges.values()) {
      if ((!q.usedOnly || g.value !== 0) && keep(g.name)) scalars.push(g);
    }
  }
  scalars.sort(byName);
  const histograms: Histogram[] = [];
  if (type === 'All' || type === 'Histograms') {
    for (const h of store.histograms.values()) {
      if ((!q.usedOnly || h.count > 0) && keep(h.name)) histograms.push(h);
    }
    histograms.sort(byName);
  }
  return { scalars, histograms };
}

/** `GET /stats`: one `name: value` line per counter or gauge, then `name: P0(i,c) … P100(i,c)` per histogram. */
export function renderStatsText(store: StatsStore, q: StatsQuery = {}): string {
  const { scalars, histograms } = selectStats(store, q);
  const parts: string[] = [];
  for (const s of scalars) parts.push(`${s.name}: ${s.value}\n`);
  for (const h of histograms) {
    if (h.count === 0) parts.push(`${h.name}: No recorded values\n`);
    else if (q.histogramBuckets) parts.push(`${h.name}: ${bucketSummary(h, q.histogramBuckets)}\n`);
    else parts.push(`${h.name}: ${quantileSummary(h)}\n`);
  }
  return parts.join('');
}

function jsonNumber(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/**
 * `GET /stats?format=json`: `{"stats":[{"name","value"}…,{"histograms":{"supported_quantiles":[…],
 * "computed_quantiles":[{"name","values":[{"interval","cumulative"}…]}]}}]}` with null for no value.
 */
export function renderStatsJson(store: StatsStore, q: StatsQuery = {}): string {
  const { scalars, histograms } = selectStats(store, q);
  const stats: unknown[] = scalars.map((s) => ({ name: s.name, value: s.value }));
  if (histograms.length > 0) {
    stats.push({
      histograms: {
        supported_quantiles: SUPPORTED_QUANTILES.map((x) => Number((x * 100).toPrecision(6))),
        computed_quantiles: histograms.map((h) => {
          const cum = cumulativeQuantiles(h);
          const int = intervalQuantiles(h);
          return {
            name: h.name,
            values: cum.map((c, i) => ({ interval: jsonNumber(int[i]), cumulative: jsonNumber(c) })),
          };
        }),
      },
    });
  }
  return JSON.stringify({ stats }, null, 1);
}
