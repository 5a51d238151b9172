// The embedded ServiceRegistry: services from the config store plus workloads registered by their proxies.
import type { Labels } from '../api/index.js';
import { normalizeKind } from '../config/kinds.js';
import type { ConfigStore } from '../config/store.js';
import { DEFAULT_DOMAIN } from './host.js';
import type { LocalRegistry } from './local.js';
import type { Service, ServiceEndpoint, WorkloadInstance } from './model.js';
import type { RegistryChange, ServiceRegistry } from './registry.js';
import { REGISTRY_KINDS, RegistrySnapshot } from './snapshot.js';

export interface ConfigRegistryOptions {
  /** Cluster domain of Kubernetes-style hostnames (default `cluster.local`). */
  domain?: string;
}

/**
 * Rebuilds an immutable RegistrySnapshot whenever a Service, ServiceEntry, WorkloadEntry or Mesh changes in
 * the store or a local workload comes or goes; readers always see one consistent snapshot.
 */
export class ConfigRegistry implements ServiceRegistry {
  readonly domain: string;
  private snapshot: RegistrySnapshot;
  /** The snapshot the last change notification described; the next one is diffed against it. */
  private published: RegistrySnapshot;
  private stale = false;
  private flushPending = false;
  private currentRevision = 0;
  private readonly handlers = new Set<(change: RegistryChange) => void>();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly store: ConfigStore,
    private readonly local: LocalRegistry,
    options: ConfigRegistryOptions = {},
  ) {
    this.domain = options.domain ?? DEFAULT_DOMAIN;
    this.snapshot = this.build();
    this.published = this.snapshot;
    const relevant = new Set<string>(REGISTRY_KINDS);
    this.stops.push(
      store.watch((e) => {
        if (relevant.has(e.key.kind)) this.invalidate();
      }),
      local.onChange(() => this.invalidate()),
    );
  }

  /** The registry's revision; reading it first applies any pending change. */
  get revision(): number {
    this.flush();
    return this.currentRevision;
  }

  /** The snapshot in use, current as of this call; it never changes, a change makes a new one. */
  current(): RegistrySnapshot {
    this.flush();
    return this.snapshot;
  }

  services(): readonly Service[] {
    return this.current().services;
  }

  service(hostname: string, namespace?: string): Service | undefined {
    return this.current().service(hostname, namespace);
  }

  instancesOf(hostname: string, port: number, labels?: Labels): readonly ServiceEndpoint[] {
    return this.current().instancesOf(hostname, port, labels);
  }

  workloads(): readonly WorkloadInstance[] {
    return this.current().workloads;
  }

  onChange(handler: (change: RegistryChange) => void): () => void {
    const wrapped = (c: RegistryChange) => handler(c);
    this.handlers.add(wrapped);
    return () => this.handlers.delete(wrapped);
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  private build(): RegistrySnapshot {
    const resources = REGISTRY_KINDS.flatMap((kind) => this.store.list(normalizeKind(kind)));
    return new RegistrySnapshot({ resources, local: this.local.instances(), domain: this.domain });
  }

  /**
   * Marks the snapshot stale. The rebuild happens once, at the next read or at the end of the current
   * microtask, so a rescan that changes a hundred resources rebuilds once, not a hundred times.
   */
  private invalidate(): void {
    this.stale = true;
    if (this.flushPending) return;
    this.flushPending = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    if (!this.stale) return;
    this.stale = false;
    this.flushPending = false;
    this.snapshot = this.build();
    const before = this.published.fingerprints();
    const after = this.snapshot.fingerprints();
    const hostnames = [...new Set([...before.keys(), ...after.keys()])]
      .filter((h) => before.get(h) !== after.get(h))
      .sort();
    // A workload no service selects is still a change: its own proxy's inbound config depends on it.
    const workloadsChanged =
      JSON.stringify(this.published.workloads) !== JSON.stringify(this.snapshot.workloads);
    this.published = this.snapshot;
    if (hostnames.length === 0 && !workloadsChanged) return;
    this.currentRevision++;
    const change: RegistryChange = { revision: this.currentRevision, hostnames };
    for (const h of [...this.handlers]) h(change);
  }
}
