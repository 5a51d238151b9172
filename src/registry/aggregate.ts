// Several ServiceRegistries read as one (embedded + etcd + Kubernetes later): services and endpoints merged.
import type { Labels } from '../api/index.js';
import type { Service, ServiceEndpoint, WorkloadInstance } from './model.js';
import type { RegistryChange, ServiceRegistry } from './registry.js';

export class AggregateRegistry implements ServiceRegistry {
  private currentRevision = 0;
  private readonly handlers = new Set<(change: RegistryChange) => void>();
  private readonly stops: (() => void)[];

  constructor(private readonly registries: readonly ServiceRegistry[]) {
    this.stops = registries.map((r) =>
      r.onChange((c) => {
        this.currentRevision++;
        const change = { revision: this.currentRevision, hostnames: c.hostnames };
        for (const h of [...this.handlers]) h(change);
      }),
    );
  }

  /** Reading it first lets each registry apply pending changes (their notifications bump this one). */
  get revision(): number {
    for (const r of this.registries) void r.revision;
    return this.currentRevision;
  }

  services(): readonly Service[] {
    return this.registries
      .flatMap((r) => r.services())
      .sort((a, b) =>
        a.hostname !== b.hostname ? (a.hostname < b.hostname ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
      );
  }

  /** The first registry (in the order given) that has the host wins. */
  service(hostname: string, namespace?: string): Service | undefined {
    if (namespace !== undefined) {
      for (const r of this.registries) {
        const s = r.service(hostname, namespace);
        if (s?.namespace === namespace) return s;
      }
    }
    for (const r of this.registries) {
      const s = r.service(hostname, namespace);
      if (s) return s;
    }
    return undefined;
  }

  instancesOf(hostname: string, port: number, labels?: Labels): readonly ServiceEndpoint[] {
    return this.registries.flatMap((r) => r.instancesOf(hostname, port, labels));
  }

  workloads(): readonly WorkloadInstance[] {
    return this.registries.flatMap((r) => r.workloads());
  }

  onChange(handler: (change: RegistryChange) => void): () => void {
    const wrapped = (c: RegistryChange) => handler(c);
    this.handlers.add(wrapped);
    return () => this.handlers.delete(wrapped);
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
