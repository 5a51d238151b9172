// Tag extraction: turns a flat Envoy stat name (`cluster.<name>.upstream_rq_200`) into its tag-extracted
// name (`cluster.upstream_rq`) and tags (`envoy.response_code=200`, `envoy.cluster_name=<name>`), following
// Envoy's default tag specifiers. Values that contain dots (Istio's cluster names) are found exactly when the
// code that created the stats declared them; otherwise Envoy's regexes decide.

export interface Tag {
  /** Envoy's tag name, e.g. `envoy.cluster_name`; Prometheus labels replace the dot with `_`. */
  name: string;
  value: string;
}

export interface ExtractedName {
  /** The stat name with every tag value's characters removed. */
  name: string;
  tags: Tag[];
}

/** The scopes whose names the runtime declares so that dotted values are found whole. */
export type TagScope = 'cluster' | 'http' | 'listener' | 'tcp' | 'vhost';

interface Specifier {
  tag: string;
  /** Group 1 is removed from the name; group 2 (or group 1 when there is no group 2) is the value. */
  regex: RegExp;
  /** A substring every matching name contains: a cheap test before running the regex. */
  hint: string;
  /** When set, declared values of this scope are tried before the regex. */
  scope?: TagScope;
  /** The scope's value follows `listener.<address>.http.` rather than starting the name. */
  afterListener?: boolean;
}

// Envoy's default specifiers for the stats a proxy like ours produces, in Envoy's order (most specific
// first). Each is re-expressed here from Envoy's documented behaviour; the order also fixes label order.
const SPECIFIERS: Specifier[] = [
  { tag: 'envoy.response_code', regex: /_rq(_(\d{3}))$/ds, hint: '_rq_' },
  { tag: 'envoy.response_code_class', regex: /_rq_(\d)xx$/ds, hint: '_rq_' },
  { tag: 'envoy.http_user_agent', regex: /^http\..*?\.user_agent\.((.*?)\.)\w+?$/ds, hint: '.user_agent.' },
  { tag: 'envoy.virtual_cluster', regex: /^vhost\..*?\.vcluster\.((.*?)\.)\w+?$/ds, hint: '.vcluster.' },
  { tag: 'envoy.fault_downstream_cluster', regex: /^http\..*?\.fault\.((.*?)\.)\w+?$/ds, hint: '.fault.' },
  { tag: 'envoy.ssl_cipher', regex: /^listener\..*?\.ssl\.cipher(\.(.*?))$/ds, hint: '.ssl.cipher.' },
  { tag: 'envoy.ssl_cipher_suite', regex: /^cluster\..*?\.ssl\.ciphers(\.(.*?))$/ds, hint: '.ssl.ciphers.' },
  { tag: 'envoy.tcp_prefix', regex: /^tcp\.((.*?)\.)\w+?$/ds, hint: 'tcp.', scope: 'tcp' },
  { tag: 'envoy.ratelimit_prefix', regex: /^ratelimit\.((.*?)\.)\w+?$/ds, hint: 'ratelimit.' },
  {
    // Istio's cluster names carry dots (`outbound|9080||reviews.default.svc.cluster.local`): keep the
    // `.svc.cluster.local` suffix inside the value, as Istio's own specifier does.
    tag: 'envoy.cluster_name',
    regex: /^cluster\.((.+?(?:\..+?\.svc\.cluster\.local)?)\.)/ds,
    hint: 'cluster.',
    scope: 'cluster',
  },
  {
    tag: 'envoy.http_conn_manager_prefix',
    regex: /^listener\..*?\.http\.((.*?)\.)/ds,
    hint: '.http.',
    scope: 'http',
    afterListener: true,
  },
  { tag: 'envoy.http_conn_manager_prefix', regex: /^http\.((.*?)\.)/ds, hint: 'http.', scope: 'http' },
  {
    tag: 'envoy.listener_address',
    regex: /^listener\.(((?:[_.\d]*|[_[\]a-fA-F\d]*))\.)/ds,
    hint: 'listener.',
    scope: 'listener',
  },
  { tag: 'envoy.virtual_host', regex: /^vhost\.((.*?)\.)/ds, hint: 'vhost.', scope: 'vhost' },
  { tag: 'envoy.rds_route_config', regex: /^http\..*?\.rds\.((.*?)\.)\w+?$/ds, hint: '.rds.' },
  {
    tag: 'envoy.worker_id',
    regex: /^listener_manager\.((worker_\d+)\.)/ds,
    hint: 'listener_manager.worker_',
  },
];

/** Stats every scope of a kind has: seeing one reveals the scope's value, dots and all. */
const ANCHORS: [TagScope, string, string[]][] = [
  ['cluster', 'cluster.', ['.upstream_cx_total', '.upstream_rq_total', '.membership_total']],
  ['http', 'http.', ['.downstream_rq_total', '.downstream_cx_total']],
  ['listener', 'listener.', ['.downstream_cx_total']],
  ['tcp', 'tcp.', ['.downstream_cx_total']],
];

/** Where a declared scope's value starts in a name, or -1: `cluster.` at 0, `http.` after a listener. */
function scopeValueStart(name: string, spec: Specifier): number {
  const prefix = spec.hint;
  if (spec.afterListener) {
    if (!name.startsWith('listener.')) return -1;
    const at = name.indexOf('.http.', 'listener.'.length);
    return at < 0 ? -1 : at + '.http.'.length;
  }
  return name.startsWith(prefix) ? prefix.length : -1;
}

export class TagExtractor {
  private readonly declared = new Map<TagScope, Set<string>>();
  private readonly memo = new Map<string, ExtractedName>();

  /**
   * Declares a value of a scope (a cluster name, an HTTP stat prefix, a listener's stat address) so that
   * names under it are split exactly, dots and all. Call when the scope's stats are created.
   */
  declare(scope: TagScope, value: string): void {
    let set = this.declared.get(scope);
    if (!set) {
      set = new Set();
      this.declared.set(scope, set);
    }
    if (set.has(value)) return;
    set.add(value);
    this.memo.clear();
  }

  /**
   * Learns a scope value from a stat every scope of its kind has (`cluster.<name>.upstream_cx_total`,
   * `http.<prefix>.downstream_rq_total`, …), so dotted names are split whole even when the code creating
   * the stats declared nothing. Called by the store when a stat is created (config time, not per request).
   */
  learn(name: string): void {
    for (const [scope, prefix, anchors] of ANCHORS) {
      if (!name.startsWith(prefix)) continue;
      for (const anchor of anchors) {
        if (!name.endsWith(anchor) || name.length <= prefix.length + anchor.length) continue;
        const value = name.slice(prefix.length, name.length - anchor.length);
        if (value.includes('.http.') || value.includes('.user_agent.')) continue;
        // Envoy's own admin listener keeps `listener.admin.*` untagged (its address regex needs an address).
        if (scope === 'listener' && value === 'admin') continue;
        this.declare(scope, value);
        return;
      }
    }
  }

  /** Splits a stat name into its tag-extracted name and tags (memoized: names repeat on every scrape). */
  extract(name: string): ExtractedName {
    const hit = this.memo.get(name);
    if (hit) return hit;
    const result = this.compute(name);
    this.memo.set(name, result);
    return result;
  }

  /** Forgets memoized names (after stats were deleted), keeping declarations. */
  forget(name: string): void {
    this.memo.delete(name);
  }

  private compute(name: string): ExtractedName {
    const tags: Tag[] = [];
    const cuts: [number, number][] = [];
    const seenTags = new Set<string>();
    for (const spec of SPECIFIERS) {
      if (seenTags.has(spec.tag)) continue;
      if (!name.includes(spec.hint)) continue;
      const found = this.matchDeclared(name, spec) ?? this.matchRegex(name, spec);
      if (!found) continue;
      if (cuts.some(([s, e]) => found.cut[0] < e && s < found.cut[1])) continue;
      seenTags.add(spec.tag);
      tags.push({ name: spec.tag, value: found.value });
      cuts.push(found.cut);
    }
    if (cuts.length === 0) return { name, tags };
    cuts.sort((a, b) => a[0] - b[0]);
    let out = '';
    let pos = 0;
    for (const [s, e] of cuts) {
      out += name.slice(pos, s);
      pos = e;
    }
    out += name.slice(pos);
    return { name: out, tags };
  }

  private matchDeclared(name: string, spec: Specifier): { value: string; cut: [number, number] } | undefined {
    if (!spec.scope) return undefined;
    const values = this.declared.get(spec.scope);
    if (!values) return undefined;
    const start = scopeValueStart(name, spec);
    if (start < 0) return undefined;
    // Try every dot after the start, last first, so `a.b` wins over `a` for `cluster.a.b.upstream_rq_total`;
    // a name has a handful of dots, so this stays cheap however many values are declared.
    for (let dot = name.lastIndexOf('.'); dot > start; dot = name.lastIndexOf('.', dot - 1)) {
      const v = name.slice(start, dot);
      if (values.has(v)) return { value: v, cut: [start, dot + 1] };
    }
    return undefined;
  }

  private matchRegex(name: string, spec: Specifier): { value: string; cut: [number, number] } | undefined {
    const m = spec.regex.exec(name);
    if (!m || m[1] === undefined) return undefined;
    const span = m.indices?.[1];
    if (!span) return undefined;
    return { value: m[2] ?? m[1], cut: [span[0], span[1]] };
  }
}
