// The cluster manager: clusters by name, each with its HostSet, load balancer, stats and per-host connection
// pools. STATIC clusters take inline endpoints, EDS clusters ClusterLoadAssignments, STRICT_DNS and
// LOGICAL_DNS resolve their host names with dns.lookup on a refresh timer. Applying new config keeps the
// state (hosts, pools) of clusters whose definition did not change. Pools are per host, and so is the
// transport (transport_socket_matches on the host's metadata).

import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type tls from 'node:tls';
import { isDeepStrictEqual } from 'node:util';
import { type Clock, systemClock } from '../../common/clock.js';
import { splitHostPort } from '../../common/host-port.js';
import { randomFromFunction } from '../../common/random.js';
import type { Cluster, ClusterLoadAssignment, LbEndpoint } from '../config/cluster.js';
import type { StatsStore } from '../stats/store.js';
import { ClusterResilience } from './cluster-resilience.js';
import { ClusterStats } from './cluster-stats.js';
import { HostSet } from './host-set.js';
import { createLoadBalancer, type Host, type LbContext, type LoadBalancer } from './lb/index.js';
import { type ClusterLimits, H1Pool } from './pool/h1-pool.js';
import { H2Pool } from './pool/h2-pool.js';
import { TransportSockets } from './pool/transport-sockets.js';
import type { SecretLookup } from './upstream-tls.js';

/** A host with no metadata: selects the cluster's own transport socket (or an empty match). */
const CLUSTER_DEFAULT_HOST: Host = {
  key: '',
  address: { host: '', port: 0 },
  weight: 1,
  priority: 0,
  locality: { region: '', zone: '', subZone: '' },
  metadata: {},
  healthy: true,
  activeRequests: 0,
};

/** Sweep period for idle upstream connections, ms. */
const IDLE_SWEEP_MS = 10_000;

interface HostPools {
  h1?: H1Pool;
  h2?: H2Pool;
}

/** Destinations an ORIGINAL_DST cluster keeps hosts (and their pools) for at once. */
const MAX_ORIGINAL_DST_HOSTS = 256;

export class ClusterEntry {
  readonly hostSet: HostSet;
  readonly lb: LoadBalancer;
  readonly stats: ClusterStats;
  readonly limits: ClusterLimits;
  readonly resilience: ClusterResilience;
  private readonly pools = new Map<Host, HostPools>();
  private readonly transports: TransportSockets;
  private dnsTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Whether the cluster speaks HTTP/2 to its hosts. */
  readonly http2: boolean;
  /** The EDS assignment last applied, to skip identical updates. */
  hostSetSource: ClusterLoadAssignment | undefined = undefined;

  constructor(
    readonly cluster: Cluster,
    assignment: ClusterLoadAssignment | undefined,
    store: StatsStore,
    random: () => number,
    private readonly now: () => number,
    secrets: SecretLookup = () => undefined,
    clock: Clock = systemClock,
  ) {
    this.transports = new TransportSockets(cluster, secrets);
    this.stats = new ClusterStats(store, cluster.altStatName ?? cluster.name);
    const isDns = cluster.type === 'STRICT_DNS' || cluster.type === 'LOGICAL_DNS';
    this.hostSet = new HostSet(cluster, isDns ? undefined : assignment);
    this.lb = createLoadBalancer(cluster, this.hostSet, random);
    // Circuit breakers, outlier detection and retry counters; the pools count against the breakers.
    this.resilience = new ClusterResilience(cluster, this.hostSet, {
      store,
      statPrefix: `cluster.${cluster.altStatName ?? cluster.name}`,
      clock,
      random: randomFromFunction(random),
    });
    this.limits = this.resilience.poolLimits;
    this.http2 = cluster.upstreamProtocol === 'http2';
    this.updateMembershipStats();
    if (isDns) void this.resolveDns();
  }

  /** A host for one request, or undefined (the caller replies 503 UH). */
  choose(ctx: LbContext): Host | undefined {
    if (this.cluster.type === 'ORIGINAL_DST') return this.originalDestinationHost(ctx.originalDestination);
    return this.lb.choose(ctx);
  }

  /** ORIGINAL_DST hosts made on demand, one per destination (oldest idle ones dropped beyond the cap). */
  private readonly originalDstHosts = new Map<string, Host>();

  /**
   * The host of an ORIGINAL_DST cluster (Istio's PassthroughCluster) for `destination` (`host:port`): in local
   * mode the request's own authority, since apps reach their sidecar as an HTTP proxy, not through iptables.
   */
  private originalDestinationHost(destination: string | undefined): Host | undefined {
    if (destination === undefined) return undefined;
    let host = this.originalDstHosts.get(destination);
    if (host !== undefined) return host;
    const address = splitHostPort(destination);
    if (address?.port === undefined) return undefined;
    if (this.originalDstHosts.size >= MAX_ORIGINAL_DST_HOSTS) {
      for (const [key, h] of this.originalDstHosts) {
        if (h.activeRequests > 0) continue;
        this.originalDstHosts.delete(key);
        this.dropPools(h);
        break;
      }
    }
    host = {
      key: destination,
      address: { host: address.host, port: address.port },
      weight: 1,
      priority: 0,
      locality: { region: '', zone: '', subZone: '' },
      metadata: {},
      healthy: true,
      activeRequests: 0,
    };
    this.originalDstHosts.set(destination, host);
    return host;
  }

  h1Pool(host: Host): H1Pool {
    let p = this.pools.get(host);
    if (p === undefined) {
      p = {};
      this.pools.set(host, p);
    }
    p.h1 ??= new H1Pool(host, this.cluster.connectTimeoutMs, this.stats, this.limits, this.now, () =>
      this.tlsOptions(false, host),
    );
    return p.h1;
  }

  h2Pool(host: Host): H2Pool {
    let p = this.pools.get(host);
    if (p === undefined) {
      p = {};
      this.pools.set(host, p);
    }
    p.h2 ??= new H2Pool(host, this.cluster.connectTimeoutMs, this.stats, () => this.tlsOptions(true, host));
    return p.h2;
  }

  /**
   * tls.connect options for a new connection to `host` (undefined for plain text): the first transport socket
   * match of the host's metadata, else the cluster's transport socket; without a host, the cluster's. Cached
   * until the SDS secrets behind them rotate. A missing SDS secret throws; the caller turns that into a
   * connection failure. The TCP proxy calls it too (with `h2` false).
   */
  tlsOptions(h2: boolean, host?: Host): tls.ConnectionOptions | undefined {
    if (host !== undefined) return this.transports.optionsFor(host, h2);
    return this.transports.optionsFor(CLUSTER_DEFAULT_HOST, h2);
  }

  updateAssignment(assignment: ClusterLoadAssignment): void {
    this.hostSet.update(assignment);
    this.dropStalePools();
    this.updateMembershipStats();
  }

  sweepIdle(): void {
    for (const p of this.pools.values()) p.h1?.sweepIdle(this.cluster.idleTimeoutMs);
  }

  /** Stops using this cluster: idle connections close, in-flight requests finish. */
  drain(): void {
    this.closed = true;
    this.resilience.close();
    if (this.dnsTimer !== null) clearTimeout(this.dnsTimer);
    for (const p of this.pools.values()) {
      p.h1?.drain();
      p.h2?.drain();
    }
    this.pools.clear();
  }

  /** Snapshot for the admin API: hosts with health and pool state. */
  hostsView(): { host: Host; idleConnections: number; connections: number }[] {
    return this.hostSet.hosts.map((host) => {
      const p = this.pools.get(host);
      return {
        host,
        idleConnections: p?.h1?.idleCount ?? 0,
        connections: (p?.h1?.total ?? 0) + (p?.h2 ? 1 : 0),
      };
    });
  }

  private dropStalePools(): void {
    const live = new Set([...this.hostSet.hosts, ...this.originalDstHosts.values()]);
    for (const host of [...this.pools.keys()]) if (!live.has(host)) this.dropPools(host);
  }

  /** Drains a host's pools (open requests finish) and forgets them. */
  private dropPools(host: Host): void {
    const p = this.pools.get(host);
    p?.h1?.drain();
    p?.h2?.drain();
    this.pools.delete(host);
  }

  private updateMembershipStats(): void {
    const hosts = this.hostSet.hosts;
    this.stats.membershipTotal.set(hosts.length);
    let healthy = 0;
    for (const h of hosts) if (h.healthy) healthy++;
    this.stats.membershipHealthy.set(healthy);
  }

  /** Resolves every endpoint host name (all addresses for STRICT_DNS, the first for LOGICAL_DNS). */
  private async resolveDns(): Promise<void> {
    const c = this.cluster;
    const source = c.loadAssignment;
    if (!source || this.closed) return;
    const family = c.dnsLookupFamily === 'V4_ONLY' ? 4 : c.dnsLookupFamily === 'V6_ONLY' ? 6 : 0;
    const localities = [];
    for (const loc of source.localities) {
      const endpoints: LbEndpoint[] = [];
      for (const ep of loc.endpoints) {
        if (net.isIP(ep.address.host) !== 0) {
          endpoints.push(ep);
          continue;
        }
        try {
          const addrs = await lookup(ep.address.host, { all: true, family });
          const chosen = c.type === 'LOGICAL_DNS' ? addrs.slice(0, 1) : addrs;
          for (const a of chosen) {
            endpoints.push({
              ...ep,
              hostname: ep.address.host,
              address: { host: a.address, port: ep.address.port },
            });
          }
        } catch {
          // Unresolvable for now: the host is left out until the next refresh.
        }
      }
      localities.push({ ...loc, endpoints });
    }
    if (this.closed) return;
    this.updateAssignment({ ...source, localities });
    const every = c.dnsRefreshRateMs > 0 ? c.dnsRefreshRateMs : 5000;
    this.dnsTimer = setTimeout(() => void this.resolveDns(), every);
    this.dnsTimer.unref();
  }
}

export class ClusterManager {
  private readonly clusters = new Map<string, ClusterEntry>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    private readonly store: StatsStore,
    private readonly random: () => number,
    private readonly now: () => number,
    private readonly secrets: SecretLookup = () => undefined,
    private readonly clock: Clock = systemClock,
  ) {
    this.sweepTimer = setInterval(() => {
      for (const c of this.clusters.values()) c.sweepIdle();
    }, IDLE_SWEEP_MS);
    this.sweepTimer.unref();
  }

  get(name: string): ClusterEntry | undefined {
    return this.clusters.get(name);
  }

  entries(): IterableIterator<ClusterEntry> {
    return this.clusters.values();
  }

  /** Installs a new cluster set; unchanged clusters keep their hosts and pools, EDS assignments update. */
  apply(clusters: ReadonlyMap<string, Cluster>, endpoints: ReadonlyMap<string, ClusterLoadAssignment>): void {
    for (const [name, entry] of this.clusters) {
      const next = clusters.get(name);
      if (next === undefined || !isDeepStrictEqual(next, entry.cluster)) {
        entry.drain();
        this.clusters.delete(name);
      }
    }
    for (const [name, cluster] of clusters) {
      const assignment = cluster.type === 'EDS' ? endpoints.get(cluster.edsServiceName ?? name) : undefined;
      const existing = this.clusters.get(name);
      if (existing !== undefined) {
        if (assignment !== undefined && !isDeepStrictEqual(assignment, existing.hostSetSource)) {
          existing.updateAssignment(assignment);
          existing.hostSetSource = assignment;
        }
        continue;
      }
      const entry = new ClusterEntry(
        cluster,
        assignment,
        this.store,
        this.random,
        this.now,
        this.secrets,
        this.clock,
      );
      entry.hostSetSource = assignment;
      this.clusters.set(name, entry);
    }
  }

  close(): void {
    clearInterval(this.sweepTimer);
    for (const c of this.clusters.values()) c.drain();
    this.clusters.clear();
  }
}
