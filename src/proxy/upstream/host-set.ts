// A cluster's hosts grouped by priority and locality, with Envoy's priority load (health-based spill-over
// using the overprovisioning factor), per-priority panic mode and locality weights. Host objects stay the
// same across EDS updates while their key stays, and health changes are picked up lazily on the next pick.
import type {
  Cluster,
  ClusterLoadAssignment,
  HealthStatus,
  LbEndpoint,
  Locality,
  SocketAddress,
} from '../config/cluster.js';
import { resolveDnsAssignment } from './lb/dns-assignment.js';
import { computePriorityLoad, type LocalityHosts, type PriorityLevel } from './lb/priority-load.js';
import type { Host } from './lb/types.js';

export { dnsHostnames, resolveDnsAssignment } from './lb/dns-assignment.js';
export type { LocalityHosts, PriorityLevel } from './lb/priority-load.js';

/** Envoy's default overprovisioning factor, × 100 (1.4). */
export const DEFAULT_OVERPROVISIONING_FACTOR = 140;
/** Envoy's default healthy_panic_threshold, percent. */
export const DEFAULT_HEALTHY_PANIC_THRESHOLD = 50;

/** The `ip:port` key of an address; IPv6 literals are bracketed so the key stays unambiguous. */
export function hostKey(address: SocketAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** EDS health statuses the load balancer may route to (DEGRADED only when healthy hosts fall short). */
export function isRoutableHealth(status: HealthStatus): boolean {
  return status === 'HEALTHY' || status === 'UNKNOWN' || status === 'DEGRADED';
}

function isDegraded(host: Host): boolean {
  return host.healthy && (host as UpstreamHost).edsHealthStatus === 'DEGRADED';
}

function isHealthyNotDegraded(host: Host): boolean {
  return host.healthy && (host as UpstreamHost).edsHealthStatus !== 'DEGRADED';
}

/** Reasons other than EDS for a host to be unhealthy; each is set and cleared by its own owner. */
export type HealthFailure = 'outlier' | 'activeHealthCheck';
const FAILURE_BITS: Record<HealthFailure, number> = { outlier: 1, activeHealthCheck: 2 };

class UpstreamHost implements Host {
  readonly key: string;
  readonly address: SocketAddress;
  weight: number;
  priority: number;
  locality: Locality;
  metadata: Record<string, Record<string, unknown>>;
  activeRequests = 0;
  /** The health EDS last reported; `healthy` follows it only when it changes. */
  edsHealthStatus: HealthStatus;
  /** Bit set of HealthFailure reasons currently in force. */
  failures = 0;
  #healthy: boolean;
  readonly #onHealthChange: () => void;

  constructor(endpoint: LbEndpoint, priority: number, locality: Locality, onHealthChange: () => void) {
    this.address = { host: endpoint.address.host, port: endpoint.address.port };
    this.key = hostKey(this.address);
    this.weight = Math.max(1, endpoint.weight);
    this.priority = priority;
    this.locality = locality;
    this.metadata = endpoint.metadata;
    this.edsHealthStatus = endpoint.healthStatus;
    this.#healthy = isRoutableHealth(endpoint.healthStatus);
    this.#onHealthChange = onHealthChange;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  set healthy(value: boolean) {
    if (value === this.#healthy) return;
    this.#healthy = value;
    this.#onHealthChange();
  }
}

function localityKey(l: Locality): string {
  return `${l.region}/${l.zone}/${l.subZone}`;
}

export class HostSet {
  /** Every host, in assignment order. */
  hosts: readonly Host[] = [];
  /** Priority levels indexed by priority (gaps are empty levels). */
  levels: readonly PriorityLevel[] = [];
  /** Bumped whenever membership, weights or health are recomputed (for observers such as the admin page). */
  version = 0;
  readonly panicThreshold: number;
  readonly localityWeighted: boolean;
  /** × 100, e.g. 140 for 1.4. */
  overprovisioningFactor = DEFAULT_OVERPROVISIONING_FACTOR;
  #byKey = new Map<string, UpstreamHost>();
  /** The level taking 100 % of the traffic, when there is one (the common case): no draw needed. */
  #sole: PriorityLevel | undefined;
  #dirty = true;
  readonly #markDirty = (): void => {
    this.#dirty = true;
  };

  /**
   * Without an assignment, starts from the cluster's inline endpoints; for STRICT_DNS / LOGICAL_DNS
   * clusters only their IP literals, since host names are not addresses until resolved (then `update`).
   */
  constructor(cluster: Cluster, assignment: ClusterLoadAssignment | undefined) {
    this.panicThreshold = Math.min(100, Math.max(0, cluster.lbConfig.healthyPanicThreshold));
    this.localityWeighted = cluster.lbConfig.localityWeighted;
    const isDns = cluster.type === 'STRICT_DNS' || cluster.type === 'LOGICAL_DNS';
    const initial =
      assignment ?? (isDns ? resolveDnsAssignment(cluster, () => undefined) : cluster.loadAssignment);
    if (initial) this.update(initial);
  }

  /** Replaces membership; hosts whose key stays keep their object (and health, active requests). */
  update(assignment: ClusterLoadAssignment): void {
    const next = new Map<string, UpstreamHost>();
    const ordered: UpstreamHost[] = [];
    const levelLocalities: Map<string, { locality: Locality; weight: number; hosts: Host[] }>[] = [];
    for (const group of assignment.localities) {
      const priority = Math.max(0, Math.trunc(group.priority));
      while (levelLocalities.length <= priority) levelLocalities.push(new Map());
      const lkey = localityKey(group.locality);
      let entry = levelLocalities[priority].get(lkey);
      if (!entry) {
        entry = { locality: group.locality, weight: group.weight ?? 0, hosts: [] };
        levelLocalities[priority].set(lkey, entry);
      }
      for (const endpoint of group.endpoints) {
        const key = hostKey(endpoint.address);
        if (next.has(key)) continue; // the same address twice: the first occurrence wins
        let host = this.#byKey.get(key);
        if (host) {
          host.weight = Math.max(1, endpoint.weight);
          host.priority = priority;
          host.locality = group.locality;
          host.metadata = endpoint.metadata;
          if (host.edsHealthStatus !== endpoint.healthStatus) {
            host.edsHealthStatus = endpoint.healthStatus;
            host.healthy = isRoutableHealth(endpoint.healthStatus) && host.failures === 0;
          }
        } else {
          host = new UpstreamHost(endpoint, priority, group.locality, this.#markDirty);
        }
        next.set(key, host);
        ordered.push(host);
        entry.hosts.push(host);
      }
    }
    this.#byKey = next;
    this.hosts = ordered;
    this.levels = levelLocalities.map((localities, priority) => {
      const groups: LocalityHosts[] = [...localities.values()].map((l) => ({
        locality: l.locality,
        weight: l.weight,
        hosts: l.hosts,
        healthyHosts: [],
        effectiveWeight: 0,
      }));
      return {
        priority,
        hosts: groups.flatMap((g) => g.hosts),
        healthyHosts: [],
        degradedHosts: [],
        localities: groups,
        load: 0,
        degradedLoad: 0,
        panic: false,
      };
    });
    if (assignment.overprovisioningFactor > 0)
      this.overprovisioningFactor = assignment.overprovisioningFactor;
    this.refresh();
  }

  /**
   * Records (or clears) one reason for a host to be unhealthy, e.g. an outlier ejection; `healthy` becomes
   * "EDS says routable and no reason in force", so an EDS update cannot undo an ejection and an ejection's
   * end cannot undo an EDS UNHEALTHY. Setting `host.healthy` directly also works but has no such memory.
   */
  setHealthFailure(host: Host, reason: HealthFailure, failed: boolean): void {
    const own = this.#byKey.get(host.key);
    if (own !== host) return; // a host no longer in this set
    const bit = FAILURE_BITS[reason];
    own.failures = failed ? own.failures | bit : own.failures & ~bit;
    own.healthy = isRoutableHealth(own.edsHealthStatus) && own.failures === 0;
  }

  /** Envoy's health flags for the admin /clusters page (`failed_outlier_check`, `failed_eds_health`, …). */
  healthFlags(host: Host): string[] {
    const own = this.#byKey.get(host.key);
    if (own !== host) return [];
    const flags: string[] = [];
    if (own.failures & FAILURE_BITS.activeHealthCheck) flags.push('failed_active_hc');
    if (own.failures & FAILURE_BITS.outlier) flags.push('failed_outlier_check');
    if (!isRoutableHealth(own.edsHealthStatus)) flags.push('failed_eds_health');
    if (own.edsHealthStatus === 'DEGRADED') flags.push('degraded_eds_health');
    return flags;
  }

  /** The host with this key, if present. */
  get(key: string): Host | undefined {
    return this.#byKey.get(key);
  }

  /** Recomputes healthy lists, priority loads and panic flags now (otherwise done lazily on the next pick). */
  refresh(): void {
    this.#dirty = false;
    this.version++;
    const factor = this.overprovisioningFactor;
    const availability = (count: number, total: number, cap: number): number =>
      total === 0 ? 0 : Math.min(cap, Math.floor((factor * count) / total));
    const health: number[] = [];
    const degraded: number[] = [];
    for (const level of this.levels) {
      level.healthyHosts = level.hosts.filter(isHealthyNotDegraded);
      level.degradedHosts = level.hosts.filter(isDegraded);
      for (const l of level.localities) {
        l.healthyHosts = l.hosts.filter(isHealthyNotDegraded);
        l.effectiveWeight = l.weight * availability(l.healthyHosts.length, l.hosts.length, 100);
      }
      const h = availability(level.healthyHosts.length, level.hosts.length, 100);
      health.push(h);
      degraded.push(availability(level.degradedHosts.length, level.hosts.length, 100 - h));
    }
    computePriorityLoad(this.levels, health, degraded, this.panicThreshold);
    this.#sole = this.levels.find((l) => l.load === 100);
  }

  /** Refreshes if anything changed since the last computation. */
  ensureFresh(): void {
    if (this.#dirty) this.refresh();
  }

  /**
   * The priority level a draw (an integer 0..99) falls in, healthy loads first, then degraded ones.
   * Undefined when the cluster has no hosts.
   */
  choosePriority(draw: number): PriorityLevel | undefined {
    this.ensureFresh();
    if (this.#sole) return this.#sole;
    let cumulative = 0;
    for (const level of this.levels) {
      cumulative += level.load;
      if (draw < cumulative) return level;
    }
    for (const level of this.levels) {
      cumulative += level.degradedLoad;
      if (draw < cumulative) return level;
    }
    return undefined;
  }

  /**
   * The hosts one request balances over: a priority level by `draw` (0..99: random, or the request hash
   * modulo 100 for hash-based balancers, as Envoy does; only called when several levels take traffic),
   * then that level's candidates (see `candidates`), or its degraded hosts when the draw lands in its
   * degraded load. Undefined when the cluster has no hosts. Arrays are stable until the next refresh.
   */
  chooseCandidates(
    draw: () => number,
    localityRandom: (() => number) | undefined,
  ): readonly Host[] | undefined {
    this.ensureFresh();
    if (this.#sole) return this.candidates(this.#sole, localityRandom);
    const d = draw();
    let cumulative = 0;
    for (const level of this.levels) {
      cumulative += level.load;
      if (d < cumulative) return this.candidates(level, localityRandom);
    }
    for (const level of this.levels) {
      cumulative += level.degradedLoad;
      if (d < cumulative) return level.degradedHosts;
    }
    return undefined;
  }

  /**
   * The hosts to balance over within a level: all hosts in panic; otherwise the healthy hosts, narrowed to
   * one locality (chosen by effective weight with `localityRandom`, [0, 1)) when locality weighting is on.
   * The returned array is stable until the next refresh, so balancers may key per-list state on it.
   */
  candidates(level: PriorityLevel, localityRandom: (() => number) | undefined): readonly Host[] {
    if (level.panic) return level.hosts;
    if (!this.localityWeighted || localityRandom === undefined || level.localities.length < 2) {
      return level.healthyHosts;
    }
    let total = 0;
    for (const l of level.localities) total += l.effectiveWeight;
    if (total === 0) return level.healthyHosts;
    let target = localityRandom() * total;
    for (const l of level.localities) {
      if (l.effectiveWeight === 0) continue;
      if (target < l.effectiveWeight) return l.healthyHosts;
      target -= l.effectiveWeight;
    }
    return level.healthyHosts;
  }
}
