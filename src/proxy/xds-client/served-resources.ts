// The resources a proxy serves from, with Envoy's warming: a cluster serves once its endpoints (EDS) and
// SDS secrets are in, a listener once its routes (RDS) and secrets are in; until then the version it
// replaces keeps serving. Also says which EDS, RDS and SDS names the served set needs. A secret the proxy
// provisions itself (the workload certificate agent's `default` and `ROOTCA`) counts as present too.
import type { ProxyResources, StaticSecret } from '../config/bootstrap.js';
import type { Cluster, ClusterLoadAssignment } from '../config/cluster.js';
import type { Listener } from '../config/listener.js';
import type { RouteConfiguration } from '../config/route.js';
import type { CommonTlsContext } from '../config/tls.js';

export function edsName(c: Cluster): string {
  return c.edsServiceName ?? c.name;
}

function chains(l: Listener) {
  return l.defaultFilterChain ? [...l.filterChains, l.defaultFilterChain] : l.filterChains;
}

export function rdsNames(l: Listener): string[] {
  return chains(l).flatMap((c) =>
    c.filter.kind === 'http' && c.filter.routes.kind === 'rds' ? [c.filter.routes.name] : [],
  );
}

function tlsSecretNames(common: CommonTlsContext | undefined): string[] {
  if (common === undefined) return [];
  const names = common.certificates.flatMap((c) => (c.kind === 'sds' ? [c.name] : []));
  if (common.validation?.kind === 'sds') names.push(common.validation.name);
  return names;
}

export function clusterSecretNames(c: Cluster): string[] {
  return tlsSecretNames(c.tls?.common);
}

export function listenerSecretNames(l: Listener): string[] {
  return chains(l).flatMap((c) => tlsSecretNames(c.tls?.common));
}

/** Active and warming versions of one wildcard type (clusters or listeners). */
class WarmingSet<T> {
  readonly active = new Map<string, T>();
  readonly warming = new Map<string, T>();

  /** Replaces the whole set (SotW): names not in `next` go; each entry is active at once if `ready`. */
  replace(next: Map<string, T>, ready: (v: T) => boolean): void {
    for (const name of [...this.active.keys()]) if (!next.has(name)) this.active.delete(name);
    for (const name of [...this.warming.keys()]) if (!next.has(name)) this.warming.delete(name);
    for (const [name, v] of next) {
      if (ready(v)) {
        this.warming.delete(name);
        this.active.set(name, v);
      } else this.warming.set(name, v);
    }
  }

  /** Moves warming entries that became ready to active. */
  promote(ready: (v: T) => boolean): void {
    for (const [name, v] of [...this.warming]) {
      if (ready(v)) {
        this.warming.delete(name);
        this.active.set(name, v);
      }
    }
  }

  /** Every version the set holds, active or warming (their dependencies must stay subscribed). */
  all(): T[] {
    return [...this.active.values(), ...this.warming.values()];
  }
}

export class ServedResources {
  private readonly clusters = new WarmingSet<Cluster>();
  private readonly listeners = new WarmingSet<Listener>();
  private readonly endpoints = new Map<string, ClusterLoadAssignment>();
  private readonly routes = new Map<string, RouteConfiguration>();
  private readonly secrets = new Map<string, StaticSecret>();

  /** `hasLocalSecret`: names the proxy's own secret store holds (they need not come over ADS). */
  constructor(private readonly hasLocalSecret: (name: string) => boolean = () => false) {}

  private hasSecret = (name: string): boolean => this.secrets.has(name) || this.hasLocalSecret(name);

  private clusterReady = (c: Cluster): boolean =>
    (c.type !== 'EDS' || this.endpoints.has(edsName(c))) && clusterSecretNames(c).every(this.hasSecret);

  private listenerReady = (l: Listener): boolean =>
    rdsNames(l).every((n) => this.routes.has(n)) && listenerSecretNames(l).every(this.hasSecret);

  setClusters(next: Map<string, Cluster>): void {
    this.clusters.replace(next, this.clusterReady);
  }

  setListeners(next: Map<string, Listener>): void {
    this.listeners.replace(next, this.listenerReady);
  }

  /** EDS/RDS/SDS updates: keeps only `subscribed` names, then lets whatever became ready serve. */
  putEndpoints(list: [string, ClusterLoadAssignment][], subscribed: readonly string[]): void {
    for (const [name, v] of list) if (subscribed.includes(name)) this.endpoints.set(name, v);
    this.promote();
  }

  putRoutes(list: [string, RouteConfiguration][], subscribed: readonly string[]): void {
    for (const [name, v] of list) if (subscribed.includes(name)) this.routes.set(name, v);
    this.promote();
  }

  putSecrets(list: [string, StaticSecret][], subscribed: readonly string[]): void {
    for (const [name, v] of list) if (subscribed.includes(name)) this.secrets.set(name, v);
    this.promote();
  }

  /** Forgets endpoints, routes or secrets no longer subscribed. */
  retain(kind: 'endpoint' | 'route' | 'secret', names: readonly string[]): void {
    const held = kind === 'endpoint' ? this.endpoints : kind === 'route' ? this.routes : this.secrets;
    for (const name of [...held.keys()]) if (!names.includes(name)) held.delete(name);
  }

  private promote(): void {
    this.clusters.promote(this.clusterReady);
    this.listeners.promote(this.listenerReady);
  }

  /** Locally provisioned secrets changed: warming resources waiting for them may serve now. */
  localSecretsChanged(): boolean {
    const warming = this.clusters.warming.size + this.listeners.warming.size;
    this.promote();
    return this.clusters.warming.size + this.listeners.warming.size !== warming;
  }

  /** Envoy's initial_fetch_timeout: warming clusters serve with whatever they have. */
  forceClustersActive(): boolean {
    const any = this.clusters.warming.size > 0;
    this.clusters.promote(() => true);
    return any;
  }

  get clustersWarming(): number {
    return this.clusters.warming.size;
  }

  warmingNames(kind: 'cluster' | 'listener'): string[] {
    return [...(kind === 'cluster' ? this.clusters : this.listeners).warming.keys()].sort();
  }

  neededEdsNames(): string[] {
    return this.clusters.all().flatMap((c) => (c.type === 'EDS' ? [edsName(c)] : []));
  }

  neededRouteNames(): string[] {
    return this.listeners.all().flatMap(rdsNames);
  }

  neededSecretNames(): string[] {
    return [
      ...this.clusters.all().flatMap(clusterSecretNames),
      ...this.listeners.all().flatMap(listenerSecretNames),
    ];
  }

  /** A fresh snapshot (new maps, shared immutable values) of what serves now. */
  snapshot(): ProxyResources {
    return {
      listeners: new Map(this.listeners.active),
      routes: new Map(this.routes),
      clusters: new Map(this.clusters.active),
      endpoints: new Map(this.endpoints),
      secrets: new Map(this.secrets),
    };
  }
}
