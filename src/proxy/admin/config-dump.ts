// /config_dump: AdminSource's sections shaped as Envoy's envoy.admin.v3.ConfigDump (Bootstrap, Clusters,
// Listeners, Routes, Secrets, and Endpoints with ?include_eds), with ?resource=, ?mask= and ?name_regex=,
// and private keys redacted as Envoy does. Sections of one kind from several sources are merged.
import type {
  ConfigDumpSection,
  DynamicResourceDump,
  JsonObject,
  ResourceKind,
  StaticResourceDump,
} from './source.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

interface KindShape {
  dumpType: string;
  resourceType: string;
  /** The field holding the resource inside each entry. */
  field: string;
  staticList: string;
  staticItem: string;
  dynamicActive: string;
  dynamicWarming?: string;
  dynamicItem: string;
  /** Secrets carry `name` in each entry; listeners carry it outside active_state. */
  style: 'plain' | 'listener' | 'secret';
}

const SHAPES: Record<ResourceKind, KindShape> = {
  clusters: {
    dumpType: 'ClustersConfigDump',
    resourceType: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    field: 'cluster',
    staticList: 'static_clusters',
    staticItem: 'ClustersConfigDump.StaticCluster',
    dynamicActive: 'dynamic_active_clusters',
    dynamicWarming: 'dynamic_warming_clusters',
    dynamicItem: 'ClustersConfigDump.DynamicCluster',
    style: 'plain',
  },
  endpoints: {
    dumpType: 'EndpointsConfigDump',
    resourceType: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
    field: 'endpoint_config',
    staticList: 'static_endpoint_configs',
    staticItem: 'EndpointsConfigDump.StaticEndpointConfig',
    dynamicActive: 'dynamic_endpoint_configs',
    dynamicItem: 'EndpointsConfigDump.DynamicEndpointConfig',
    style: 'plain',
  },
  listeners: {
    dumpType: 'ListenersConfigDump',
    resourceType: 'type.googleapis.com/envoy.config.listener.v3.Listener',
    field: 'listener',
    staticList: 'static_listeners',
    staticItem: 'ListenersConfigDump.StaticListener',
    dynamicActive: 'dynamic_listeners',
    dynamicItem: 'ListenersConfigDump.DynamicListener',
    style: 'listener',
  },
  routes: {
    dumpType: 'RoutesConfigDump',
    resourceType: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    field: 'route_config',
    staticList: 'static_route_configs',
    staticItem: 'RoutesConfigDump.StaticRouteConfig',
    dynamicActive: 'dynamic_route_configs',
    dynamicItem: 'RoutesConfigDump.DynamicRouteConfig',
    style: 'plain',
  },
  secrets: {
    dumpType: 'SecretsConfigDump',
    resourceType: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
    field: 'secret',
    staticList: 'static_secrets',
    staticItem: 'SecretsConfigDump.StaticSecret',
    dynamicActive: 'dynamic_active_secrets',
    dynamicWarming: 'dynamic_warming_secrets',
    dynamicItem: 'SecretsConfigDump.DynamicSecret',
    style: 'secret',
  },
};

/** Envoy's order: the config tracker's keys, sorted. */
const ORDER: ConfigDumpSection['kind'][] = [
  'bootstrap',
  'clusters',
  'endpoints',
  'listeners',
  'routes',
  'secrets',
];

function timestamp(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** Builds an object skipping undefined values and empty arrays (proto3 JSON omits defaults). */
function obj(entries: [string, unknown][]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries) {
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

const SENSITIVE = new Set(['private_key', 'password', 'secret', 'session_ticket_keys']);

/** Replaces inline key material under sensitive fields with "[redacted]", as Envoy's dump does. */
export function redact(value: unknown, sensitive = false): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, sensitive));
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value as JsonObject)) {
    if (sensitive && (k === 'inline_bytes' || k === 'inline_string')) out[k] = '[redacted]';
    else out[k] = redact(v, sensitive || SENSITIVE.has(k));
  }
  return out;
}

function typed(resource: JsonObject, typeUrl: string): JsonObject {
  return '@type' in resource ? resource : { '@type': typeUrl, ...resource };
}

function staticEntry(shape: KindShape, s: StaticResourceDump): JsonObject {
  const resource = typed(s.resource, shape.resourceType);
  if (shape.style === 'secret') {
    return obj([
      ['name', s.name],
      ['last_updated', timestamp(s.lastUpdated)],
      ['secret', redact(resource)],
    ]);
  }
  return obj([
    [shape.field, resource],
    ['last_updated', timestamp(s.lastUpdated)],
  ]);
}

function errorState(d: DynamicResourceDump): JsonObject | undefined {
  if (!d.error) return undefined;
  return obj([
    ['failed_configuration', d.error.failedConfiguration],
    ['last_update_attempt', timestamp(d.error.lastUpdateAttempt)],
    ['details', d.error.details],
    ['version_info', d.error.versionInfo],
  ]);
}

function dynamicEntry(shape: KindShape, d: DynamicResourceDump): JsonObject {
  const resource = d.resource ? typed(d.resource, shape.resourceType) : undefined;
  if (shape.style === 'listener') {
    const state = resource
      ? obj([
          ['version_info', d.versionInfo],
          ['listener', resource],
          ['last_updated', timestamp(d.lastUpdated)],
        ])
      : undefined;
    const stateKey =
      d.state === 'warming' ? 'warming_state' : d.state === 'draining' ? 'draining_state' : 'active_state';
    return obj([
      ['name', d.name],
      [stateKey, state],
      ['error_state', errorState(d)],
    ]);
  }
  if (shape.style === 'secret') {
    return obj([
      ['name', d.name],
      ['version_info', d.versionInfo],
      ['last_updated', timestamp(d.lastUpdated)],
      ['secret', resource ? redact(resource) : undefined],
      ['error_state', errorState(d)],
    ]);
  }
  return obj([
    ['version_info', d.versionInfo],
    [shape.field, resource],
    ['last_updated', timestamp(d.lastUpdated)],
    ['error_state', errorState(d)],
  ]);
}

/** One config dump message with its repeated fields, and the item type of each field (for ?resource=). */
interface BuiltDump {
  message: JsonObject;
  itemTypes: Record<string, string>;
  /** Resource name of each item, per field, for ?name_regex=. */
  names: Record<string, string[]>;
}

function buildSection(section: ConfigDumpSection): BuiltDump {
  if (section.kind === 'bootstrap') {
    return {
      message: obj([
        ['@type', `${ADMIN}BootstrapConfigDump`],
        ['bootstrap', section.bootstrap],
        ['last_updated', timestamp(section.lastUpdated)],
      ]),
      itemTypes: {},
      names: {},
    };
  }
  const shape = SHAPES[section.kind];
  const lists: [string, JsonObject[], string[]][] = [];
  lists.push([
    shape.staticList,
    section.static.map((s) => staticEntry(shape, s)),
    section.static.map((s) => s.name),
  ]);
  const active = section.dynamic.filter((d) => shape.style === 'listener' || d.state !== 'warming');
  const warming = shape.dynamicWarming ? section.dynamic.filter((d) => d.state === 'warming') : [];
  lists.push([shape.dynamicActive, active.map((d) => dynamicEntry(shape, d)), active.map((d) => d.name)]);
  if (shape.dynamicWarming) {
    lists.push([
      shape.dynamicWarming,
      warming.map((d) => dynamicEntry(shape, d)),
      warming.map((d) => d.name),
    ]);
  }
  const itemTypes: Record<string, string> = {};
  const names: Record<string, string[]> = {};
  for (const [field, , n] of lists) {
    itemTypes[field] = ADMIN + (field === shape.staticList ? shape.staticItem : shape.dynamicItem);
    names[field] = n;
  }
  const message = obj([
    ['@type', ADMIN + shape.dumpType],
    [
      'version_info',
      section.kind === 'listeners' || section.kind === 'clusters' ? section.versionInfo : undefined,
    ],
    ...lists.map(([field, items]) => [field, items] as [string, unknown]),
  ]);
  return { message, itemTypes, names };
}

/** Keeps only the dotted paths of a field mask (Envoy's ?mask=a,b.c), always keeping `@type`. */
export function applyMask(message: JsonObject, paths: string[]): JsonObject {
  const out: JsonObject = {};
  if ('@type' in message) out['@type'] = message['@type'];
  for (const path of paths) {
    const parts = path.split('.');
    let src: unknown = message;
    let dst: JsonObject = out;
    for (let i = 0; i < parts.length; i++) {
      if (src === null || typeof src !== 'object' || Array.isArray(src)) break;
      const v = (src as JsonObject)[parts[i]];
      if (v === undefined) break;
      if (i === parts.length - 1) {
        dst[parts[i]] = v;
      } else {
        const next = (dst[parts[i]] ?? {}) as JsonObject;
        dst[parts[i]] = next;
        dst = next;
        src = v;
      }
    }
  }
  return out;
}

export interface ConfigDumpQuery {
  /** Envoy's ?resource=: one repeated field (e.g. dynamic_listeners), each item its own config. */
  resource?: string;
  /** Envoy's ?mask=: comma-separated field paths. */
  mask?: string[];
  /** Envoy's ?name_regex=: keep resources whose name matches. */
  nameMatches?: (name: string) => boolean;
  /** Envoy's ?include_eds: add the EndpointsConfigDump. */
  includeEds?: boolean;
}

export type ConfigDumpResult =
  | { ok: true; body: JsonObject }
  | { ok: false; status: number; message: string };

/** Builds `{"configs":[…]}` from the source's sections. */
/**
 * Merges sections of the same kind (e.g. the ADS client's secrets and the proxy's own secret store): the
 * first section's entry for a name wins, a later one only adds an error state the first lacks.
 */
export function mergeSections(sections: readonly ConfigDumpSection[]): ConfigDumpSection[] {
  const out: ConfigDumpSection[] = [];
  const byKind = new Map<ResourceKind, Extract<ConfigDumpSection, { static: unknown }>>();
  for (const s of sections) {
    if (s.kind === 'bootstrap') {
      out.push(s);
      continue;
    }
    const prev = byKind.get(s.kind);
    if (prev === undefined) {
      const copy = { ...s, static: [...s.static], dynamic: [...s.dynamic] };
      byKind.set(s.kind, copy);
      out.push(copy);
      continue;
    }
    prev.versionInfo ??= s.versionInfo;
    for (const st of s.static) if (!prev.static.some((x) => x.name === st.name)) prev.static.push(st);
    for (const d of s.dynamic) {
      const i = prev.dynamic.findIndex((x) => x.name === d.name);
      if (i < 0) prev.dynamic.push(d);
      else if (prev.dynamic[i].error === undefined && d.error !== undefined)
        prev.dynamic[i] = { ...prev.dynamic[i], error: d.error };
    }
  }
  return out;
}

export function buildConfigDump(sections: ConfigDumpSection[], q: ConfigDumpQuery = {}): ConfigDumpResult {
  const sorted = mergeSections(sections)
    .filter((s) => s.kind !== 'endpoints' || q.includeEds)
    .sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  const built = sorted.map(buildSection);
  if (q.nameMatches) {
    for (const b of built) {
      for (const [field, names] of Object.entries(b.names)) {
        const items = b.message[field];
        if (!Array.isArray(items)) continue;
        const kept = items.filter((_, i) => q.nameMatches!(names[i]));
        if (kept.length > 0) b.message[field] = kept;
        else delete b.message[field];
        b.names[field] = names.filter((n) => q.nameMatches!(n));
      }
    }
  }
  if (q.resource !== undefined) {
    const configs: JsonObject[] = [];
    let found = false;
    for (const b of built) {
      const type = b.itemTypes[q.resource];
      if (!type) continue;
      found = true;
      const items = b.message[q.resource];
      if (!Array.isArray(items)) continue;
      for (const item of items as JsonObject[]) {
        const withType = { '@type': type, ...item };
        configs.push(q.mask ? applyMask(withType, q.mask) : withType);
      }
    }
    if (!found) return { ok: false, status: 404, message: `${q.resource} not found in config dump` };
    return { ok: true, body: { configs } };
  }
  const configs = built.map((b) => (q.mask ? applyMask(b.message, q.mask) : b.message));
  return { ok: true, body: { configs } };
}
