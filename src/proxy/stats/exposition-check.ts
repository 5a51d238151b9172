// A strict reader of Prometheus text exposition format 0.0.4, used by tests to prove our /stats/prometheus
// (and any extra metric family appended to it) parses: names, label escaping, values, family grouping and
// histogram bucket rules. Returns the parsed samples, or throws an Error naming the line.

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedExposition {
  /** Metric family name → declared type. */
  types: Map<string, string>;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at `i` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, i: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++;
  while (true) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: duplicate label ${name}`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: label value must be quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const ch = line[j];
      if (ch === undefined) throw new Error(`${where}: unterminated label value`);
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`${where}: bad escape \\${next}`);
        j += 2;
        continue;
      }
      value += ch;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: expected ',' or '}' after label`);
  }
}

/** The family a sample belongs to: histogram samples drop their _bucket/_sum/_count suffix. */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const t = types.get(base);
      if (t === 'histogram' || t === 'summary') return base;
    }
  }
  return name;
}

export function parseExposition(text: string): ParsedExposition {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const types = new Map<string, string>();
  const samples: ParsedSample[] = [];
  const finished = new Set<string>();
  const seriesSeen = new Set<string>();
  let current = '';
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, idx) => {
    const where = `line ${idx + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP) (\S+) ?(.*)$/.exec(line);
      if (!m) return;
      const [, kind, name, rest] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: bad type ${rest}`);
        if (types.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
        if (finished.has(name) || samples.some((s) => familyOf(s.name, types) === name)) {
          throw new Error(`${where}: TYPE for ${name} after its samples`);
        }
        types.set(name, rest);
        if (current !== '' && current !== name) finished.add(current);
        current = name;
      }
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: no metric name`);
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') [labels, i] = parseLabels(line, i, where);
    if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const parts = line.slice(i + 1).split(' ');
    if (parts.length < 1 || parts.length > 2) throw new Error(`${where}: expected value [timestamp]`);
    const value = parseValue(parts[0], where);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`${where}: bad timestamp`);
    const family = familyOf(name, types);
    if (finished.has(family)) throw new Error(`${where}: samples of ${family} are not contiguous`);
    if (family !== current) {
      if (current !== '') finished.add(current);
      current = family;
    }
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seriesSeen.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    seriesSeen.add(key);
    samples.push({ name, labels, value });
  });
  checkHistograms(types, samples);
  return { types, samples };
}

/** Buckets rise with `le`, end with +Inf, and +Inf equals _count, per series. */
function checkHistograms(types: Map<string, string>, samples: ParsedSample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, { les: number[]; counts: number[]; count?: number }>();
    for (const s of samples) {
      if (familyOf(s.name, types) !== family) continue;
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(Object.entries(rest).sort());
      let entry = series.get(key);
      if (!entry) {
        entry = { les: [], counts: [] };
        series.set(key, entry);
      }
      if (s.name === `${family}_bucket`) {
        if (le === undefined) throw new Error(`${family}: bucket without le`);
        entry.les.push(parseValue(le, family));
        entry.counts.push(s.value);
      } else if (s.name === `${family}_count`) {
        entry.count = s.value;
      }
    }
    for (const [key, e] of series) {
      if (e.les[e.les.length - 1] !== Number.POSITIVE_INFINITY)
        throw new Error(`${family}${key}: no +Inf bucket`);
      for (let i = 1; i < e.les.length; i++) {
        if (!(e.les[i] > e.les[i - 1])) throw new Error(`${family}${key}: le not increasing`);
        if (e.counts[i] < e.counts[i - 1]) throw new Error(`${family}${key}: bucket counts decrease`);
      }
      if (e.count !== e.counts[e.counts.length - 1])
        throw new Error(`${family}${key}: +Inf bucket != _count`);
    }
  }
}
