// The State-of-the-World xDS protocol state of one proxy, without any transport: decodes each
// DiscoveryResponse, decides ACK or NACK (keeping the last good resources), keeps the EDS, RDS and SDS
// subscriptions in step with what clusters and listeners need, and subscribes in Envoy's order
// CDS → EDS → LDS → RDS (LDS waits until the first clusters are warm).
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
import {
  type Secret as SecretMsg,
  SecretSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { DiscoveryResponse } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import type { ProxyResources, StaticSecret } from '../config/bootstrap.js';
import type { Cluster, ClusterLoadAssignment } from '../config/cluster.js';
import type { Listener } from '../config/listener.js';
import type { RouteConfiguration } from '../config/route.js';
import { decodeCluster } from './decode-cluster.js';
import type { DecodeOptions } from './decode-context.js';
import { decodeClusterLoadAssignment } from './decode-endpoint.js';
import { decodeListener } from './decode-listener.js';
import { decodeRouteConfiguration } from './decode-route.js';
import { decodeSecret } from './decode-tls.js';
import { envoyRegistry, TypeUrl } from './registry.js';
import { ServedResources } from './served-resources.js';

export type XdsType = 'cluster' | 'endpoint' | 'listener' | 'route' | 'secret';
/** Envoy's subscription order: clusters and their endpoints warm before listeners and routes. */
export const XDS_ORDER: readonly XdsType[] = ['cluster', 'endpoint', 'listener', 'route', 'secret'];

const INVALID_ARGUMENT = 3;

/** One request the transport must send (it adds the node on a stream's first request). */
export interface RequestSpec {
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
    /** Warming: accepted, waiting for its endpoints, routes or secrets. */
    state: 'active' | 'warming';
  }[];
  /** Accepted but not serving yet: clusters waiting for endpoints or secrets, listeners for routes or secrets. */
  warming: string[];
}

interface TypeState {
  typeUrl: string;
  schema: DescMessage;
  /** Whether a request for this type was sent on the current stream. */
  requested: boolean;
  /** Explicit names (EDS, RDS, SDS); undefined for wildcard. */
  names: string[] | undefined;
  versionInfo: string;
  nonce: string;
  lastUpdatedMs?: number;
  lastNack?: NackInfo;
  raw: Map<string, { versionInfo: string; lastUpdatedMs: number; message: Message }>;
}

interface Decoded<T> {
  name: string;
  value: T;
  message: Message;
}

/** How each type is read from the wire: its decoder and the field that names a resource. */
interface Codec<T> {
  decode: (m: Message, opts: DecodeOptions | undefined) => Result<T>;
  name: (m: Message) => string;
}

const CODECS = {
  cluster: {
    decode: (m, o) => decodeCluster(m as ClusterMsg, o),
    name: (m) => (m as ClusterMsg).name,
  } as Codec<Cluster>,
  endpoint: {
    decode: (m, o) => decodeClusterLoadAssignment(m as ClaMsg, o),
    name: (m) => (m as ClaMsg).clusterName,
  } as Codec<ClusterLoadAssignment>,
  listener: {
    decode: (m, o) => decodeListener(m as ListenerMsg, o),
    name: (m) => (m as ListenerMsg).name,
  } as Codec<Listener>,
  route: {
    decode: (m, o) => decodeRouteConfiguration(m as RouteMsg, o),
    name: (m) => (m as RouteMsg).name,
  } as Codec<RouteConfiguration>,
  secret: {
    decode: (m, o) => decodeSecret(m as SecretMsg, o),
    name: (m) => (m as SecretMsg).name,
  } as Codec<StaticSecret>,
};

function sameNames(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((n, i) => n === b[i]);
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
  /**
   * Whether the proxy's own secret store holds a secret (e.g. SecretStore.get(n) !== undefined): such
   * names do not keep clusters and listeners warming while ADS has not sent them.
   */
  hasLocalSecret?: (name: string) => boolean;
}

export class AdsState {
  private readonly types: Record<XdsType, TypeState>;
  private readonly served: ServedResources;
  private readonly wantCds: boolean;
  private readonly wantLds: boolean;
  /** LDS is requested once the first CDS update has warmed (Envoy's initialisation order). */
  private ldsStarted = false;

  constructor(private readonly options: AdsStateOptions = {}) {
    this.served = new ServedResources(options.hasLocalSecret);
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
      secret: make(TypeUrl.secret, SecretSchema, []),
    };
    this.wantCds = options.cds ?? true;
    this.wantLds = options.lds ?? true;
    if (!this.wantCds) this.ldsStarted = true;
  }

  private request(type: XdsType, errorDetail?: RequestSpec['errorDetail']): RequestSpec {
    const st = this.types[type];
    st.requested = true;
    const spec: RequestSpec = {
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

  /**
   * The proxy's own secrets changed (a certificate was provisioned): resources that waited only for them
   * serve now. Returns the requests to send (LDS may start) and whether the served resources changed.
   */
  localSecretsChanged(): { requests: RequestSpec[]; changed: boolean } {
    const changed = this.served.localSecretsChanged();
    if (!changed) return { requests: [], changed };
    return { requests: [...this.resubscribeAll(), ...this.maybeStartLds()], changed };
  }

  /** Envoy's initial_fetch_timeout: stop waiting for what warming clusters lack and start LDS. */
  initialFetchTimedOut(): { requests: RequestSpec[]; changed: boolean } {
    const changed = this.served.forceClustersActive();
    return { requests: this.maybeStartLds(), changed };
  }

  get waitingForInitialFetch(): boolean {
    return this.wantLds && !this.ldsStarted;
  }

  private maybeStartLds(): RequestSpec[] {
    if (
      this.ldsStarted ||
      !this.wantLds ||
      this.served.clustersWarming > 0 ||
      this.types.cluster.versionInfo === ''
    ) {
      return [];
    }
    this.ldsStarted = true;
    return [this.request('listener')];
  }

  private typeOf(typeUrl: string): XdsType | undefined {
    return XDS_ORDER.find((t) => this.types[t].typeUrl === typeUrl);
  }

  private decodeAll<T>(
    type: XdsType,
    resources: Any[],
    codec: Codec<T>,
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
      const name = codec.name(message);
      if (seen.has(name)) {
        errors.push({
          resource: name,
          errors: [{ path: '', message: 'duplicate resource name in one response' }],
        });
        return;
      }
      seen.add(name);
      const r = codec.decode(message, this.options.decode);
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
   * Applies one response. Returns the requests to send (subscription changes first, then the ACK or NACK
   * of this response, then LDS when initialisation allows it) and whether the served resources changed.
   */
  handleResponse(
    resp: DiscoveryResponse,
    nowMs: number,
  ): { requests: RequestSpec[]; changed: boolean; nack?: NackInfo } {
    const type = this.typeOf(resp.typeUrl);
    if (type === undefined) {
      // Not something Trellis subscribed to: NACK so the server sees it.
      const message = `type ${resp.typeUrl} is not supported by Trellis`;
      const spec = { typeUrl: resp.typeUrl, versionInfo: '', responseNonce: resp.nonce, resourceNames: [] };
      return { requests: [{ ...spec, errorDetail: { code: INVALID_ARGUMENT, message } }], changed: false };
    }
    const st = this.types[type];
    st.nonce = resp.nonce;
    const outcome = this.decodeAll<unknown>(type, resp.resources, CODECS[type] as Codec<unknown>);
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
    // Accepted: remember the raw resources for config_dump, then apply.
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
    const entries = outcome.ok.map((d) => [d.name, d.value] as [string, unknown]);
    const subscribed = st.names ?? [];
    switch (type) {
      case 'cluster':
        this.served.setClusters(new Map(entries as [string, Cluster][]));
        break;
      case 'listener':
        this.served.setListeners(new Map(entries as [string, Listener][]));
        break;
      case 'endpoint':
        this.served.putEndpoints(entries as [string, ClusterLoadAssignment][], subscribed);
        break;
      case 'route':
        this.served.putRoutes(entries as [string, RouteConfiguration][], subscribed);
        break;
      case 'secret':
        this.served.putSecrets(entries as [string, StaticSecret][], subscribed);
        break;
    }
    const before = this.resubscribeAll();
    return { requests: [...before, this.request(type), ...this.maybeStartLds()], changed: true };
  }

  /** Brings the EDS, RDS and SDS name lists in line with what clusters and listeners need. */
  private resubscribeAll(): RequestSpec[] {
    return [
      ...this.resubscribe('endpoint', this.served.neededEdsNames()),
      ...this.resubscribe('route', this.served.neededRouteNames()),
      ...this.resubscribe('secret', this.served.neededSecretNames()),
    ];
  }

  private resubscribe(type: 'endpoint' | 'route' | 'secret', names: string[]): RequestSpec[] {
    const st = this.types[type];
    const sorted = [...new Set(names)].sort();
    if (sameNames(st.names, sorted)) return [];
    st.names = sorted;
    for (const name of [...st.raw.keys()]) if (!sorted.includes(name)) st.raw.delete(name);
    this.served.retain(type, sorted);
    // A name list that was never non-empty is not sent: in SotW an empty first request means "everything".
    if (sorted.length === 0 && !st.requested) return [];
    return [this.request(type)];
  }

  /** A fresh snapshot of what the proxy serves: active clusters and listeners, held endpoints, routes, secrets. */
  resources(): ProxyResources {
    return this.served.snapshot();
  }

  status(type: XdsType): XdsTypeStatus {
    const st = this.types[type];
    const warming = type === 'cluster' || type === 'listener' ? this.served.warmingNames(type) : [];
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
      warming,
    };
    if (st.names !== undefined) out.resourceNames = [...st.names];
    if (st.lastUpdatedMs !== undefined) out.lastUpdatedMs = st.lastUpdatedMs;
    if (st.lastNack !== undefined) out.lastNack = st.lastNack;
    return out;
  }
}
