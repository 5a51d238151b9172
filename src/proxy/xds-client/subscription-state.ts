// What the State-of-the-World and delta xDS clients share, independent of the wire protocol: per-type
// subscriptions and held resources, Envoy's initialisation order (CDS → EDS → LDS → RDS, LDS once the first
// clusters are warm), EDS/RDS/SDS names following what clusters and listeners need, warming, and the status
// config_dump shows. Each protocol says only how its requests look and how a response changes what is held.
import type { DescMessage, JsonValue, Message } from '@bufbuild/protobuf';
import type { ProxyResources, StaticSecret } from '../config/bootstrap.js';
import type { Cluster, ClusterLoadAssignment } from '../config/cluster.js';
import type { Listener } from '../config/listener.js';
import type { RouteConfiguration } from '../config/route.js';
import type { DecodeOptions } from './decode-context.js';
import {
  CODECS,
  type NackInfo,
  type ResourceErrors,
  safeJson,
  XDS_ORDER,
  type XdsType,
} from './resource-codecs.js';
import { ServedResources } from './served-resources.js';

/** What the proxy holds for one type, for the admin config_dump. */
export interface XdsTypeStatus {
  typeUrl: string;
  /** Version of the last accepted response ('' before any): SotW version_info, delta system_version_info. */
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

/** One accepted resource: its version (per response in SotW, per resource in delta) and decoded value. */
export interface HeldResource {
  versionInfo: string;
  lastUpdatedMs: number;
  message: Message;
  value: unknown;
}

export interface TypeState {
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
  raw: Map<string, HeldResource>;
}

/** What handling an event yields: requests to send in order, whether the served resources changed, a NACK. */
export interface StateStep<Spec> {
  requests: Spec[];
  changed: boolean;
  nack?: NackInfo;
}

export interface SubscriptionStateOptions {
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

function sameNames(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((n, i) => n === b[i]);
}

export abstract class SubscriptionState<Spec> {
  protected readonly types: Record<XdsType, TypeState>;
  protected readonly served: ServedResources;
  private readonly wantCds: boolean;
  private readonly wantLds: boolean;
  /** LDS is requested once the first CDS update has warmed (Envoy's initialisation order). */
  private ldsStarted = false;

  constructor(protected readonly options: SubscriptionStateOptions = {}) {
    this.served = new ServedResources(options.hasLocalSecret);
    const make = (type: XdsType, names: string[] | undefined): TypeState => ({
      typeUrl: CODECS[type].typeUrl,
      schema: CODECS[type].schema,
      requested: false,
      names,
      versionInfo: '',
      nonce: '',
      raw: new Map(),
    });
    this.types = {
      cluster: make('cluster', undefined),
      endpoint: make('endpoint', []),
      listener: make('listener', undefined),
      route: make('route', []),
      secret: make('secret', []),
    };
    this.wantCds = options.cds ?? true;
    this.wantLds = options.lds ?? true;
    if (!this.wantCds) this.ldsStarted = true;
  }

  /** The first request of `type` on the current stream; must mark the type requested. */
  protected abstract firstRequest(type: XdsType): Spec;

  /** The requests telling the server a non-wildcard type's names changed (after its first request). */
  protected abstract namesChangedRequests(
    type: 'endpoint' | 'route' | 'secret',
    previous: readonly string[],
    next: readonly string[],
  ): Spec[];

  /** The requests that open a (new) stream: every current subscription, in Envoy's order. */
  streamStarted(): Spec[] {
    const out: Spec[] = [];
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
      if (wanted) out.push(this.firstRequest(type));
    }
    return out;
  }

  /**
   * The proxy's own secrets changed (a certificate was provisioned): resources that waited only for them
   * serve now. Returns the requests to send (LDS may start) and whether the served resources changed.
   */
  localSecretsChanged(): StateStep<Spec> {
    const changed = this.served.localSecretsChanged();
    if (!changed) return { requests: [], changed };
    return { requests: [...this.resubscribeAll(), ...this.maybeStartLds()], changed };
  }

  /** Envoy's initial_fetch_timeout: stop waiting for what warming clusters lack and start LDS. */
  initialFetchTimedOut(): StateStep<Spec> {
    const changed = this.served.forceClustersActive();
    return { requests: this.maybeStartLds(), changed };
  }

  get waitingForInitialFetch(): boolean {
    return this.wantLds && !this.ldsStarted;
  }

  private maybeStartLds(): Spec[] {
    if (
      this.ldsStarted ||
      !this.wantLds ||
      this.served.clustersWarming > 0 ||
      this.types.cluster.versionInfo === ''
    ) {
      return [];
    }
    this.ldsStarted = true;
    return [this.firstRequest('listener')];
  }

  /** Records a rejected response: reported (config_dump, events) until the next accepted one of its type. */
  protected rejected(
    type: XdsType,
    versionInfo: string,
    nonce: string,
    nowMs: number,
    errors: ResourceErrors[],
  ): NackInfo {
    const nack: NackInfo = { versionInfo, nonce, atMs: nowMs, errors };
    this.types[type].lastNack = nack;
    return nack;
  }

  /**
   * Hands accepted resources of `type` to the served set: for clusters and listeners `entries` is the whole
   * set held now; for endpoints, routes and secrets the updated ones (kept only if subscribed) and
   * `removed` the names that went away.
   */
  protected serve(type: XdsType, entries: [string, unknown][], removed: readonly string[] = []): void {
    const subscribed = this.types[type].names ?? [];
    switch (type) {
      case 'cluster':
        this.served.setClusters(new Map(entries as [string, Cluster][]));
        return;
      case 'listener':
        this.served.setListeners(new Map(entries as [string, Listener][]));
        return;
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
    if (removed.length > 0)
      this.served.retain(
        type,
        subscribed.filter((n) => !removed.includes(n)),
      );
  }

  /**
   * After an accepted response: subscription changes first (new clusters' endpoints, listeners' routes),
   * then the ACK, then LDS when initialisation allows it.
   */
  protected accepted(ack: () => Spec): StateStep<Spec> {
    const before = this.resubscribeAll();
    return { requests: [...before, ack(), ...this.maybeStartLds()], changed: true };
  }

  /** Brings the EDS, RDS and SDS name lists in line with what clusters and listeners need. */
  private resubscribeAll(): Spec[] {
    return [
      ...this.resubscribe('endpoint', this.served.neededEdsNames()),
      ...this.resubscribe('route', this.served.neededRouteNames()),
      ...this.resubscribe('secret', this.served.neededSecretNames()),
    ];
  }

  private resubscribe(type: 'endpoint' | 'route' | 'secret', names: string[]): Spec[] {
    const st = this.types[type];
    const sorted = [...new Set(names)].sort();
    if (sameNames(st.names, sorted)) return [];
    const previous = st.names ?? [];
    st.names = sorted;
    for (const name of [...st.raw.keys()]) if (!sorted.includes(name)) st.raw.delete(name);
    this.served.retain(type, sorted);
    // A name list that was never non-empty is not sent: an empty first request would mean "everything".
    if (!st.requested) return sorted.length === 0 ? [] : [this.firstRequest(type)];
    return this.namesChangedRequests(type, previous, sorted);
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
