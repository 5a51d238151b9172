// The proxy runtime: owns the cluster manager, the RDS route slots, the listener manager and the SDS secret
// store, applies a full ProxyResources set atomically (routes compiled, clusters updated, listeners
// added/updated/drained, ADS secrets handed to the store), rebuilds TLS contexts when secrets rotate, and
// exposes read accessors for the admin API.
import { type Clock, systemClock } from '../common/clock.js';
import { randomFromFunction } from '../common/random.js';
import type { ConfigDumpSection } from './admin/source.js';
import type { NodeIdentity, ProxyResources, StaticSecret } from './config/bootstrap.js';
import type { Cluster } from './config/cluster.js';
import type { AccessLog, Listener } from './config/listener.js';
import { localPeerOf } from './filters/http/peer-metadata/peer-metadata.js';
import type { AccessLogSink } from './http/access-log-entry.js';
import type { ProxyServices, RouteSlot } from './http/hcm.js';
import type { SecretLookup } from './listener/downstream-tls.js';
import { ListenerManager } from './listener/listener-manager.js';
import { CompiledRouteTable } from './router/route-table.js';
import { secretsConfigDump } from './secrets/config-dump.js';
import { SecretStore } from './secrets/secret-store.js';
import type { StatsStore } from './stats/store.js';
import { ClusterManager } from './upstream/cluster-manager.js';
import type { Host } from './upstream/lb/types.js';

export interface ProxyServerOptions {
  stats: StatsStore;
  /** Receives every finished request/connection unless its connection manager configures its own logs. */
  accessLog?: AccessLogSink;
  /** Builds the sink for a listener filter's access_log list (e.g. AccessLogManager-backed); optional. */
  accessLogFor?: (configs: AccessLog[]) => AccessLogSink | undefined;
  /** Epoch milliseconds; Date.now by default. */
  clock?: () => number;
  /** [0, 1); Math.random by default. */
  random?: () => number;
  /** Timers for outlier detection sweeps and similar background work; the real clock by default. */
  scheduler?: Clock;
  /**
   * The SDS secret store TLS contexts resolve names in. Push rotated certificates with its set(); ADS
   * secrets (ProxyResources.secrets) reach it through apply(). A fresh store is made when absent.
   */
  secretStore?: SecretStore;
  /** Older form: a plain lookup, consulted after the store (bootstrap secrets); prefer `secretStore`. */
  secrets?: SecretLookup;
  /**
   * This proxy's Envoy node (id and Istio metadata: NAME, NAMESPACE, WORKLOAD_NAME, LABELS, …): what
   * istio.metadata_exchange sends to peers. Without it the filter still reads peers but sends nothing.
   */
  localNode?: Pick<NodeIdentity, 'id' | 'metadata'>;
}

export interface ListenerView {
  name: string;
  config: Listener;
  /** Bound address; port is the real one when the config asked for 0. Undefined when not bound. */
  boundAddress: { host: string; port: number } | undefined;
  connections: number;
}

export interface HostView {
  host: Host;
  idleConnections: number;
  connections: number;
}

export interface ClusterView {
  name: string;
  config: Cluster;
  hosts: HostView[];
}

export class ProxyServer {
  private readonly services: ProxyServices;
  private readonly clusters: ClusterManager;
  private readonly listeners: ListenerManager;
  private readonly slots = new Map<string, RouteSlot>();
  private resources: ProxyResources | undefined;
  /** The SDS secrets every TLS context resolves (local layer wins over ADS; see secrets/secret-store.ts). */
  readonly secrets: SecretStore;
  private readonly unsubscribeSecrets: () => void;

  constructor(opts: ProxyServerOptions) {
    const now = opts.clock ?? Date.now;
    const random = opts.random ?? Math.random;
    this.secrets = opts.secretStore ?? new SecretStore({ fallback: opts.secrets, now });
    const secrets: SecretLookup = this.secrets.lookup;
    this.clusters = new ClusterManager(opts.stats, random, now, secrets, opts.scheduler);
    this.services = {
      clusters: this.clusters,
      stats: opts.stats,
      now,
      random,
      rng: randomFromFunction(random),
      scheduler: opts.scheduler ?? systemClock,
      accessLog: opts.accessLog,
      accessLogFor: opts.accessLogFor,
      routeSlot: (name) => this.slot(name),
      localPeer: opts.localNode === undefined ? undefined : localPeerOf(opts.localNode),
    };
    this.listeners = new ListenerManager(this.services, secrets);
    this.unsubscribeSecrets = this.secrets.onChange((names) => this.listeners.secretsChanged(names));
  }

  private slot(name: string): RouteSlot {
    let s = this.slots.get(name);
    if (s === undefined) {
      s = { table: undefined };
      this.slots.set(name, s);
    }
    return s;
  }

  /**
   * Installs a complete resource set. Clusters and routes switch first (so new listeners never see a route
   * to a missing cluster), then listeners. In-flight requests keep the route and cluster they started with.
   */
  apply(resources: ProxyResources): void {
    // Compile every changed route table first: a table that fails to compile rejects the whole update
    // before anything changes.
    const prev = this.resources;
    const compiled = new Map<string, CompiledRouteTable>();
    for (const [name, rc] of resources.routes) {
      if (this.slots.get(name)?.table !== undefined && prev?.routes.get(name) === rc) continue;
      compiled.set(name, new CompiledRouteTable(rc, this.services.random));
    }
    // Secrets first: clusters and listeners built below find them, and existing TLS chains rebuild.
    this.secrets.setDynamic(resources.secrets);
    this.clusters.apply(resources.clusters, resources.endpoints);
    for (const [name, table] of compiled) this.slot(name).table = table;
    for (const [name, s] of this.slots) if (!resources.routes.has(name)) s.table = undefined;
    this.listeners.apply(resources.listeners);
    this.resources = resources;
  }

  /** Listeners the last apply could not build (name → reason); they keep their previous config. */
  listenerErrors(): ReadonlyMap<string, string> {
    return this.listeners.errors;
  }

  /** Listeners warming for SDS secrets (unbound, or on their previous version): listener → missing names. */
  pendingSecrets(): Map<string, string[]> {
    return this.listeners.pendingSecrets();
  }

  /** The `secrets` section of /config_dump: every secret the store resolves, with version and time. */
  secretsConfigDump(): ConfigDumpSection {
    return secretsConfigDump(this.secrets);
  }

  /** Resolves once every listener of the last apply is bound; rejects with a bind error. */
  ready(): Promise<void> {
    return this.listeners.ready();
  }

  /** The resources last applied. */
  current(): ProxyResources | undefined {
    return this.resources;
  }

  listenerViews(): ListenerView[] {
    const out: ListenerView[] = [];
    for (const [name, l] of this.listeners.entries()) {
      const a = l.address();
      out.push({
        name,
        config: l.config,
        boundAddress: a === undefined ? undefined : { host: a.address, port: a.port },
        connections: l.connectionCount,
      });
    }
    return out;
  }

  /** The bound port of a listener (handy when it was configured with port 0). */
  listenerPort(name: string): number | undefined {
    return this.listeners.get(name)?.address()?.port;
  }

  clusterViews(): ClusterView[] {
    const out: ClusterView[] = [];
    for (const c of this.clusters.entries())
      out.push({ name: c.cluster.name, config: c.cluster, hosts: c.hostsView() });
    return out;
  }

  async close(): Promise<void> {
    this.unsubscribeSecrets();
    this.secrets.close();
    this.listeners.close();
    this.clusters.close();
  }
}

export type { StaticSecret };
