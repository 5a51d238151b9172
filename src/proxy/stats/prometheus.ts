// Envoy's /stats/prometheus output: `envoy_` + the tag-extracted name with every character outside
// [a-zA-Z0-9_] turned into `_`, tags as labels, one `# TYPE` per metric family (counters, then gauges, then
// histograms as cumulative _bucket/_sum/_count), plus extra families (Istio's) appended verbatim.
import type { Histogram, StatsStore } from './store.js';
import type { ExtractedName, Tag } from './tags.js';
import type { StatsQuery } from './text.js';

/** Produces finished exposition text for extra metric families (each with its own # TYPE lines). */
export type PrometheusSource = () => string;

export interface PrometheusOptions extends StatsQuery {
  extraSources?: readonly PrometheusSource[];
}

const INVALID_NAME_CHARS = /[^a-zA-Z0-9_]/g;
const NEEDS_ESCAPE = /[\\"\n]/;

/** A Prometheus-safe metric or label name: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeName(name: string): string {
  return name.replace(INVALID_NAME_CHARS, '_');
}

/** Escapes a label value per the exposition format: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else out += ch;
  }
  return out;
}

/** `name="value",…` for a tag list (no braces). */
export function formatLabels(tags: readonly Tag[]): string {
  let out = '';
  for (let i = 0; i < tags.length; i++) {
    if (i > 0) out += ',';
    out += `${sanitizeName(tags[i].name)}="${escapeLabelValue(tags[i].value)}"`;
  }
  return out;
}

/** A sample value as the exposition format spells it (Go's ParseFloat accepts these). */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

interface Family<T> {
  metricName: string;
  members: { stat: T; name: string; tags: Tag[]; labels: string }[];
}

/** Per extracted name (memoized by the tag extractor): its metric name and formatted labels, built once. */
const rendered = new WeakMap<ExtractedName, { metricName: string; labels: string }>();

function renderedName(ex: ExtractedName): { metricName: string; labels: string } {
  let r = rendered.get(ex);
  if (!r) {
    r = { metricName: 'envoy_' + sanitizeName(ex.name), labels: formatLabels(ex.tags) };
    rendered.set(ex, r);
  }
  return r;
}

function group<T extends { name: string }>(store: StatsStore, stats: Iterable<T>): Family<T>[] {
  const families = new Map<string, Family<T>>();
  for (const stat of stats) {
    const ex = store.tagExtractor.extract(stat.name);
    const { metricName, labels } = renderedName(ex);
    let f = families.get(metricName);
    if (!f) {
      f = { metricName, members: [] };
      families.set(metricName, f);
    }
    f.members.push({ stat, name: stat.name, tags: ex.tags, labels });
  }
  const list = [...families.values()];
  list.sort((a, b) => (a.metricName < b.metricName ? -1 : a.metricName > b.metricName ? 1 : 0));
  for (const f of list) f.members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return list;
}

function renderHistogram(out: string[], metricName: string, h: Histogram, labels: string): void {
  const prefix = labels === '' ? '' : labels + ',';
  let cumulative = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i];
    out.push(`${metricName}_bucket{${prefix}le="${h.bounds[i]}"} ${cumulative}\n`);
  }
  out.push(`${metricName}_bucket{${prefix}le="+Inf"} ${h.count}\n`);
  out.push(`${metricName}_sum{${labels}} ${formatSampleValue(h.sum)}\n`);
  out.push(`${metricName}_count{${labels}} ${h.count}\n`);
}

/** Renders the store (and extra sources) in Prometheus text exposition format 0.0.4. */
export function renderPrometheus(store: StatsStore, options: PrometheusOptions = {}): string {
  const type = options.type ?? 'All';
  const keep = options.filter ?? (() => true);
  const out: string[] = [];
  const scalarKinds: ['counter' | 'gauge', Iterable<{ name: string; value: number }>, boolean][] = [
    ['counter', store.counters.values(), type === 'All' || type === 'Counters'],
    ['gauge', store.gauges.values(), type === 'All' || type === 'Gauges'],
  ];
  for (const [kind, stats, wanted] of scalarKinds) {
    if (!wanted) continue;
    const chosen = [...stats].filter((s) => (!options.usedOnly || s.value !== 0) && keep(s.name));
    for (const f of group(store, chosen)) {
      out.push(`# TYPE ${f.metricName} ${kind}\n`);
      for (const m of f.members) {
        out.push(`${f.metricName}{${m.labels}} ${formatSampleValue(m.stat.value)}\n`);
      }
    }
  }
  if (type === 'All' || type === 'Histograms') {
    const chosen = [...store.histograms.values()].filter(
      (h) => (!options.usedOnly || h.count > 0) && keep(h.name),
    );
    for (const f of group(store, chosen)) {
      out.push(`# TYPE ${f.metricName} histogram\n`);
      for (const m of f.members) renderHistogram(out, f.metricName, m.stat, m.labels);
    }
  }
  for (const source of options.extraSources ?? []) {
    const text = source();
    if (text === '') continue;
    out.push(text.endsWith('\n') ? text : text + '\n');
  }
  return out.join('');
}
