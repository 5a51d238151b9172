// Reading an Envoy /config_dump (proto3 JSON, snake_case) without trusting its shape: the sections of each
// kind, their resources in Envoy's order (static first, then dynamic), and small typed accessors.

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function arr(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

export function obj(v: unknown): Json {
  return isObject(v) ? v : {};
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** `a.b.c` of a nested object, or undefined. */
export function at(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The config dump section whose `@type` ends with `<name>` (e.g. `ListenersConfigDump`). */
export function section(dump: unknown, name: string): Json | undefined {
  return arr(at(dump, 'configs')).find((c) => str(c['@type']).endsWith(`.${name}`));
}

/**
 * The bootstrap's static resources of one kind that the kind's own section does not list, so a dump that
 * only carries them inside the bootstrap still shows them (Envoy lists them in both places).
 */
function bootstrapStatics(dump: unknown, field: 'listeners' | 'clusters', listed: readonly Json[]): Json[] {
  const names = new Set(listed.map((r) => str(r.name)));
  const statics = arr(at(section(dump, 'BootstrapConfigDump'), 'bootstrap', 'static_resources', field));
  return statics.filter((r) => !names.has(str(r.name)));
}

/** Every listener: static ones, then dynamic ones in their active (else warming, draining) state. */
export function listenersOf(dump: unknown): Json[] {
  const s = section(dump, 'ListenersConfigDump');
  const out = arr(s?.static_listeners).map((l) => obj(l.listener));
  for (const d of arr(s?.dynamic_listeners)) {
    const state = d.active_state ?? d.warming_state ?? d.draining_state;
    if (isObject(state) && isObject(state.listener)) out.push(state.listener);
  }
  return [...bootstrapStatics(dump, 'listeners', out), ...out];
}

/** Every cluster: static, then dynamic active, then warming. */
export function clustersOf(dump: unknown): Json[] {
  const s = section(dump, 'ClustersConfigDump');
  const listed = [
    ...arr(s?.static_clusters),
    ...arr(s?.dynamic_active_clusters),
    ...arr(s?.dynamic_warming_clusters),
  ].map((c) => obj(c.cluster));
  return [...bootstrapStatics(dump, 'clusters', listed), ...listed];
}

/** Every route configuration: static, then dynamic. */
export function routeConfigsOf(dump: unknown): Json[] {
  const s = section(dump, 'RoutesConfigDump');
  return [...arr(s?.static_route_configs), ...arr(s?.dynamic_route_configs)]
    .map((r) => obj(r.route_config))
    .filter((r) => Object.keys(r).length > 0);
}

/** Istio's config path in filter metadata (`/apis/<group>/<v>/namespaces/<ns>/<kind>/<name>`) as `name.ns`. */
export function istioConfigName(resource: Json): string {
  const path = str(at(resource, 'metadata', 'filter_metadata', 'istio', 'config'));
  const m = /\/namespaces\/([^/]+)\/[^/]+\/([^/]+)$/.exec(path);
  return m ? `${m[2]}.${m[1]}` : '';
}

/** `ip:port` of an Envoy Address (`socket_address` or `pipe`). */
export function addressText(address: unknown): { host: string; port: string } {
  const sa = at(address, 'socket_address');
  if (isObject(sa)) return { host: str(sa.address), port: str(sa.port_value ?? sa.named_port ?? '0') || '0' };
  const pipe = str(at(address, 'pipe', 'path'));
  return { host: pipe, port: '' };
}
