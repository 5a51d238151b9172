// The State-of-the-World xDS state of one proxy, without any transport: decodes each DiscoveryResponse,
// decides ACK or NACK (keeping the last good resources), tracks EDS/RDS subscriptions, warms clusters on
// their endpoints and listeners on their routes, and subscribes in Envoy's order CDS → EDS → LDS → RDS.
import {
  type DescMessage,
  type JsonValue,
  type Message,
  type MessageShape,
  toJson,
} from '@bufbuild/protobuf';
import { type Any, anyUnpack } from '@bufbuild/protobuf/wkt';
import type { FieldError, Result } from '../../common/result.js';
import {
  type Cluster as ClusterMsg,
  ClusterSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import {
  type ClusterLoadAssignment as ClaMsg,
  ClusterLoadAssignmentSchema,
} from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import {
  type Listener as ListenerMsg,
  ListenerSchema,
} from '../../generated/envoy/config/listener/v3/listener_pb.js';
import {
  RouteConfigurationSchema,
  type RouteConfiguration as RouteMsg,
} from '../../generated/envoy/config/route/v3/route_pb.js';
import type { DiscoveryResponse } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import type { ProxyResources } from '../config/bootstrap.js';
import type { Cluster, ClusterLoadAssignment } from '../config/cluster.js';
import type { Listener } from '../config/listener.js';
import type { RouteConfiguration } from '../config/route.js';
import { decodeCluster } from './decode-cluster.js';
import type { DecodeOptions } from './decode-context.js';
import { decodeClusterLoadAssignment } from './decode-endpoint.js';
import { decodeListener } from './decode-listener.js';
import { decodeRouteConfiguration } from './decode-route.js';
import { envoyRegistry, TypeUrl } from './registry.js';

export type XdsType = 'cluster' | 'endpoint' | 'listener' | 'route';
/** Envoy's subscription and update order: clusters and their endpoints warm before listeners and routes. */
export const XDS_ORDER: readonly XdsType[] = ['cluster', 'endpoint', 'listener', 'route'];

const INVALID_ARGUMENT = 3;

/** One request the transport must send (it adds the node on a stream's first request). */
export interface RequestSpec {
  type: XdsType;
  typeUrl: string;
  versionInfo: string;
  responseNonce: string;
  /** Empty for wildcard (CDS, LDS). */
  resourceNames: string[];
  errorDetail?: { code: number; message: string };
}

export interface ResourceErrors {
  resource: string;
  errors: FieldError[];
  /** The rejected resource as proto3 JSON (snake_case), when it could be read at all. */
  failedConfiguration?: JsonValue;
}

export interface NackInfo {
  versionInfo: string;
  nonce: string;
  atMs: number;
  errors: ResourceErrors[];
}

/** What the proxy holds for one type, for the admin config_dump. */
export interface XdsTypeStatus {
  typeUrl: string;
  /** Version of the last accepted response ('' before any). */
  versionInfo: string;
  /** Nonce of the last response seen on the current stream. */
  nonce: string;
  /** Subscribed names; undefined = wildcard. */
  resourceNames?: string[];
  lastUpdatedMs?: number;
  /** The last rejected response, until a later one of this type is accepted. */
  lastNack?: NackInfo;
  /** Accepted resources as received (proto3 JSON, snake_case, with version and time of last update). */
  resources: {
    name: string;
    versionInfo: string;
    lastUpdatedMs: number;
    resource: JsonValue;
    /** Warming: accepted, waiting for its endpoints (clusters) or routes (listeners). */
    state: 'active' | 'warming';
  }[];
  /** Accepted but not serving yet: clusters waiting for endpoints, listeners waiting for routes. */
  warming: string[];
}

interface TypeState {
  typeUrl: string;
  schema: DescMessage;
  /** Whether a request for this type was sent on the current stream. */
  requested: boolean;
  /** Explicit names (EDS, RDS); undefined for wildcard. */
  names: string[] | undefined;
  versionInfo: string;
  nonce: string;
  lastUpdatedMs?: number;
  lastNack?: NackInfo;
  raw: Map<string, { versionInfo: string; lastUpdatedMs: number; message: Message }>;
}

function sameNames(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((n, i) => n === b[i]);
}

function edsName(c: Cluster): string {
  return c.edsServiceName ?? c.name;
}

function rdsNames(l: Listener): string[] {
  const chains = l.defaultFilterChain ? [...l.filterChains, l.defaultFilterChain] : l.filterChains;
  return chains.flatMap((c) =>
    c.filter.kind === 'http' && c.filter.routes.kind === 'rds' ? [c.filter.routes.name] : [],
  );
}

/**
 * A message as proto3 JSON with snake_case names; undefined when it holds an Any of a type outside the
 * registry (an optional filter Trellis skipped, or the very thing a NACK was about).
 */
function safeJson(schema: DescMessage, message: Message): JsonValue | undefined {
  try {
    return toJson(schema, message as MessageShape<DescMessage>, {
      registry: envoyRegistry,
      useProtoFieldName: true,
    });
  } catch {
    return undefined;
  }
}

export interface AdsStateOptions {
  /** Which wildcard types to subscribe to (Envoy's cds_config / lds_config); both by default. */
  cds?: boolean;
  lds?: boolean;
  decode?: DecodeOptions;
}

interface Decoded<T> {
  name: string;
  value: T;
  message: Message;
}

export class AdsState {
  private readonly types: Record<XdsType, TypeState>;
  private readonly activeClusters = new Map<string, Cluster>();
  private readonly warmingClusters = new Map<string, Cluster>();
  private readonly endpoints = new Map<string, ClusterLoadAssignment>();
  private readonly activeListeners = new Map<string, Listener>();
  private readonly warmingListeners = new Map<string, Listener>();
  private readonly routes = new Map<string, RouteConfiguration>();
  private readonly wantCds: boolean;
  private readonly wantLds: boolean;
  /** LDS is requested once the first CDS update has warmed (Envoy's initialisation order). */
  private ldsStarted = false;

  constructor(private readonly options: AdsStateOptions = {}) {
    const make = (typeUrl: string, schema: DescMessage, names: string[] | undefined): TypeState => ({
      typeUrl,
      schema,
      requested: false,
      names,
      versionInfo: '',
      nonce: '',
      raw: new Map(),
    });
    this.types = {
      cluster: make(TypeUrl.cluster, ClusterSchema, undefined),
      endpoint: make(TypeUrl.endpoint, ClusterLoadAssignmentSchema, []),
      listener: make(TypeUrl.listener, ListenerSchema, undefined),
      route: make(TypeUrl.route, RouteConfigurationSchema, []),
    };
    this.wantCds = options.cds ?? true;
    this.wantLds = options.lds ?? true;
    if (!this.wantCds) this.ldsStarted = true;
  }

  private request(type: XdsType, errorDetail?: RequestSpec['errorDetail']): RequestSpec {
    const st = this.types[type];
    st.requested = true;
    const spec: RequestSpec = {
      type,
      typeUrl: st.typeUrl,
      versionInfo: st.versionInfo,
      responseNonce: st.nonce,
      resourceNames: st.names ?? [],
    };
    if (errorDetail) spec.errorDetail = errorDetail;
    return spec;
  }

  /** The requests that open a (new) stream: every current subscription, in Envoy's order, with the last accepted versions. */
  streamStarted(): RequestSpec[] {
    const out: RequestSpec[] = [];
    for (const type of XDS_ORDER) {
      const st = this.types[type];
      st.nonce = '';
      st.requested = false;
      const wanted =
        type === 'cluster'
          ? this.wantCds
          : type === 'listener'
            ? this.wantLds && this.ldsStarted
            : (st.names?.length ?? 0) > 0;
      if (wanted) out.push(this.request(type));
    }
    return out;
  }

  /** Envoy's initial_fetch_timeout: stop waiting for endpoints of warming clusters and start LDS. */
  initialFetchTimedOut(): { requests: RequestSpec[]; changed: boolean } {
    const changed = this.warmingClusters.size > 0;
    for (const [name, c] of this.warmingClusters) this.activeClusters.set(name, c);
    this.warmingClusters.clear();
    return { requests: this.maybeStartLds(), changed };
  }

  get waitingForInitialFetch(): boolean {
    return this.wantLds && !this.ldsStarted;
  }

  private maybeStartLds(): RequestSpec[] {
    if (
      this.ldsStarted ||
      !this.wantLds ||
      this.warmingClusters.size > 0 ||
      this.types.cluster.versionInfo === ''
    )
      return [];
    this.ldsStarted = true;
    return [this.request('listener')];
  }

  private typeOf(typeUrl: string): XdsType | undefined {
    return XDS_ORDER.find((t) => this.types[t].typeUrl === typeUrl);
  }

  private decodeAll<T>(
    type: XdsType,
    resources: Any[],
    decode: (m: Message) => Result<T>,
    nameOf: (m: Message) => string,
  ): { ok: Decoded<T>[]; errors: ResourceErrors[] } {
    const st = this.types[type];
    const ok: Decoded<T>[] = [];
    const errors: ResourceErrors[] = [];
    const seen = new Set<string>();
    resources.forEach((any, i) => {
      let message: Message | undefined;
      try {
        message = any.typeUrl === st.typeUrl ? anyUnpack(any, st.schema) : undefined;
      } catch (err) {
        errors.push({ resource: `resources[${i}]`, errors: [{ path: '', message: (err as Error).message }] });
        return;
      }
      if (message === undefined) {
        const msg = `resource type ${any.typeUrl} does not match the response type ${st.typeUrl}`;
        errors.push({ resource: `resources[${i}]`, errors: [{ path: '', message: msg }] });
        return;
      }
      const name = nameOf(message);
      if (seen.has(name)) {
        errors.push({
          resource: name,
          errors: [{ path: '', message: 'duplicate resource name in one response' }],
        });
        return;
      }
      seen.add(name);
      const r = decode(message);
      if (r.ok) ok.push({ name, value: r.value, message });
      else {
        const failed: ResourceErrors = { resource: name || `resources[${i}]`, errors: r.errors };
        const json = safeJson(st.schema, message);
        if (json !== undefined) failed.failedConfiguration = json;
        errors.push(failed);
      }
    });
    return { ok, errors };
  }

  /**
   * Applies one response. Returns the requests to send (in order: subscription changes first, then the
   * ACK or NACK of this response) and whether the served resources changed.
   */
  handleResponse(
    resp: DiscoveryResponse,
    nowMs: number,
  ): { requests: RequestSpec[]; changed: boolean; nack?: NackInfo } {
    const type = this.typeOf(resp.typeUrl);
    if (type === undefined) {
      // Not something Trellis subscribed to: NACK so the server sees it.
      const detail = { code: INVALID_ARGUMENT, message: `type ${resp.typeUrl} is not supported by Trellis` };
      return {
        requests: [
          {
            type: 'cluster',
            typeUrl: resp.typeUrl,
            versionInfo: '',
            responseNonce: resp.nonce,
            resourceNames: [],
            errorDetail: detail,
          },
        ],
        changed: false,
      };
    }
    const st = this.types[type];
    st.nonce = resp.nonce;
    const opts = this.options.decode;
    let outcome: { ok: Decoded<unknown>[]; errors: ResourceErrors[] };
    switch (type) {
      case 'cluster':
        outcome = this.decodeAll(
          type,
          resp.resources,
          (m) => decodeCluster(m as ClusterMsg, opts),
          (m) => (m as ClusterMsg).name,
        );
        break;
      case 'endpoint':
        outcome = this.decodeAll(
          type,
          resp.resources,
          (m) => decodeClusterLoadAssignment(m as ClaMsg, opts),
          (m) => (m as ClaMsg).clusterName,
        );
        break;
      case 'listener':
        outcome = this.decodeAll(
          type,
          resp.resources,
          (m) => decodeListener(m as ListenerMsg, opts),
          (m) => (m as ListenerMsg).name,
        );
        break;
      case 'route':
        outcome = this.decodeAll(
          type,
          resp.resources,
          (m) => decodeRouteConfiguration(m as RouteMsg, opts),
          (m) => (m as RouteMsg).name,
        );
        break;
    }
    if (outcome.errors.length > 0) {
      const nack: NackInfo = {
        versionInfo: resp.versionInfo,
        nonce: resp.nonce,
        atMs: nowMs,
        errors: outcome.errors,
      };
      st.lastNack = nack;
      const message = outcome.errors
        .flatMap((r) =>
          r.errors.map((e) => `${r.resource}: ${e.path === '' ? '' : `${e.path}: `}${e.message}`),
        )
        .join('\n');
      return { requests: [this.request(type, { code: INVALID_ARGUMENT, message })], changed: false, nack };
    }
    // Accepted: remember the raw resources for config_dump, then apply in type-specific ways.
    const wildcard = st.names === undefined;
    if (wildcard) st.raw.clear();
    for (const d of outcome.ok) {
      if (!wildcard && !st.names?.includes(d.name)) continue;
      st.raw.set(d.name, { versionInfo: resp.versionInfo, lastUpdatedMs: nowMs, message: d.message });
    }
    st.versionInfo = resp.versionInfo;
    st.lastUpdatedMs = nowMs;
    // As Envoy's error_state: a rejected update is reported until the next accepted one.
    st.lastNack = undefined;
    const before: RequestSpec[] = [];
    const after: RequestSpec[] = [];
    switch (type) {
      case 'cluster':
        before.push(...this.applyClusters(outcome.ok as Decoded<Cluster>[]));
        after.push(...this.maybeStartLds());
        break;
      case 'endpoint':
        this.applyEndpoints(outcome.ok as Decoded<ClusterLoadAssignment>[]);
        after.push(...this.maybeStartLds());
        break;
      case 'listener':
        before.push(...this.applyListeners(outcome.ok as Decoded<Listener>[]));
        break;
      case 'route':
        this.applyRoutes(outcome.ok as Decoded<RouteConfiguration>[]);
        break;
    }
    return { requests: [...before, this.request(type), ...after], changed: true };
  }

  /** Updates a named subscription (EDS/RDS); returns the request when the name set changed. */
  private resubscribe(type: 'endpoint' | 'route', names: string[]): RequestSpec[] {
    const st = this.types[type];
    const sorted = [...new Set(names)].sort();
    if (sameNames(st.names, sorted)) return [];
    st.names = sorted;
    for (const name of st.raw.keys()) if (!sorted.includes(name)) st.raw.delete(name);
    const held = type === 'endpoint' ? this.endpoints : this.routes;
    for (const name of held.keys()) if (!sorted.includes(name)) held.delete(name);
    // A name list that was never non-empty is not sent: in SotW an empty first request means "everything".
    if (sorted.length === 0 && !st.requested) return [];
    return [this.request(type)];
  }

  private applyClusters(decoded: Decoded<Cluster>[]): RequestSpec[] {
    const names = new Set(decoded.map((d) => d.name));
    for (const name of [...this.activeClusters.keys()])
      if (!names.has(name)) this.activeClusters.delete(name);
    for (const name of [...this.warmingClusters.keys()])
      if (!names.has(name)) this.warmingClusters.delete(name);
    for (const { name, value } of decoded) {
      // An EDS cluster warms until its endpoints arrive; a cluster it replaces keeps serving meanwhile.
      if (value.type === 'EDS' && !this.endpoints.has(edsName(value))) this.warmingClusters.set(name, value);
      else {
        this.warmingClusters.delete(name);
        this.activeClusters.set(name, value);
      }
    }
    const eds = decoded.filter((d) => d.value.type === 'EDS').map((d) => edsName(d.value));
    return this.resubscribe('endpoint', eds);
  }

  private applyEndpoints(decoded: Decoded<ClusterLoadAssignment>[]): void {
    const subscribed = this.types.endpoint.names ?? [];
    for (const { name, value } of decoded) if (subscribed.includes(name)) this.endpoints.set(name, value);
    for (const [name, c] of [...this.warmingClusters]) {
      if (this.endpoints.has(edsName(c))) {
        this.warmingClusters.delete(name);
        this.activeClusters.set(name, c);
      }
    }
  }

  private applyListeners(decoded: Decoded<Listener>[]): RequestSpec[] {
    const names = new Set(decoded.map((d) => d.name));
    for (const name of [...this.activeListeners.keys()])
      if (!names.has(name)) this.activeListeners.delete(name);
    for (const name of [...this.warmingListeners.keys()])
      if (!names.has(name)) this.warmingListeners.delete(name);
    for (const { name, value } of decoded) {
      if (rdsNames(value).every((r) => this.routes.has(r))) {
        this.warmingListeners.delete(name);
        this.activeListeners.set(name, value);
      } else this.warmingListeners.set(name, value);
    }
    const wanted = [...this.activeListeners.values(), ...this.warmingListeners.values()].flatMap(rdsNames);
    return this.resubscribe('route', wanted);
  }

  private applyRoutes(decoded: Decoded<RouteConfiguration>[]): void {
    const subscribed = this.types.route.names ?? [];
    for (const { name, value } of decoded) if (subscribed.includes(name)) this.routes.set(name, value);
    for (const [name, l] of [...this.warmingListeners]) {
      if (rdsNames(l).every((r) => this.routes.has(r))) {
        this.warmingListeners.delete(name);
        this.activeListeners.set(name, l);
      }
    }
  }

  /** A fresh snapshot of what the proxy serves: active clusters and listeners, held endpoints and routes. */
  resources(): ProxyResources {
    return {
      listeners: new Map(this.activeListeners),
      routes: new Map(this.routes),
      clusters: new Map(this.activeClusters),
      endpoints: new Map(this.endpoints),
    };
  }

  status(type: XdsType): XdsTypeStatus {
    const st = this.types[type];
    const warming =
      type === 'cluster'
        ? [...this.warmingClusters.keys()]
        : type === 'listener'
          ? [...this.warmingListeners.keys()]
          : [];
    const out: XdsTypeStatus = {
      typeUrl: st.typeUrl,
      versionInfo: st.versionInfo,
      nonce: st.nonce,
      resources: [...st.raw].map(([name, r]) => ({
        name,
        versionInfo: r.versionInfo,
        lastUpdatedMs: r.lastUpdatedMs,
        resource: safeJson(st.schema, r.message) ?? { '@type': st.typeUrl, name },
        state: warming.includes(name) ? ('warming' as const) : ('active' as const),
      })),
      warming: warming.sort(),
    };
    if (st.names !== undefined) out.resourceNames = [...st.names];
    if (st.lastUpdatedMs !== undefined) out.lastUpdatedMs = st.lastUpdatedMs;
    if (st.lastNack !== undefined) out.lastNack = st.lastNack;
    return out;
  }
}
