// The per-proxy translation context: the snapshot, the proxy, and memoized lookups shared by all generators
// of one push (DestinationRule per host, visible services, the proxy's instances).
import type { DestinationRuleSpec } from '../../api/index.js';
import type { Resource } from '../../api/resource.js';
import type { MeshProxy } from '../model/proxy.js';
import type { Service, WorkloadInstance } from '../model/service.js';
import type { Snapshot } from '../model/snapshot.js';

export class TranslateContext {
  private readonly drCache = new Map<string, Resource<DestinationRuleSpec> | null>();
  private visible: Service[] | undefined;
  private ownInstances: WorkloadInstance[] | undefined;

  constructor(
    readonly snapshot: Snapshot,
    readonly proxy: MeshProxy,
  ) {}

  get domain(): string {
    return this.snapshot.mesh.domain;
  }

  /** The DestinationRule that applies to `host` for this proxy (Istio's namespace lookup order). */
  destinationRule(host: string): Resource<DestinationRuleSpec> | undefined {
    const cached = this.drCache.get(host);
    if (cached !== undefined) return cached ?? undefined;
    const service = this.snapshot.service(host);
    const found = this.snapshot.destinationRule(this.proxy.namespace, host, service?.namespace)?.resource;
    this.drCache.set(host, found ?? null);
    return found;
  }

  visibleServices(): Service[] {
    this.visible ??= this.snapshot.visibleServices(this.proxy);
    return this.visible;
  }

  proxyInstances(): WorkloadInstance[] {
    this.ownInstances ??= this.snapshot.proxyInstances(this.proxy);
    return this.ownInstances;
  }
}
