// The ServiceRegistry contract the translator reads (local, and later etcd and Kubernetes, registries).
import type { Labels } from '../api/index.js';
import { DEFAULT_DOMAIN, resolveHost } from './host.js';
import type { Service, ServiceEndpoint, WorkloadInstance } from './model.js';

export interface RegistryChange {
  /** The registry's revision after the change. */
  revision: number;
  /** Hostnames whose service or endpoints changed (added, removed or different), sorted. */
  hostnames: readonly string[];
}

export interface ServiceRegistry {
  /** Bumped on every change; never decreases. */
  readonly revision: number;
  /** Every service, ordered by hostname then namespace. */
  services(): readonly Service[];
  /**
   * The service with this FQDN. When several namespaces define the same host (ServiceEntries), the one in
   * `namespace` wins, else the first by namespace.
   */
  service(hostname: string, namespace?: string): Service | undefined;
  /**
   * Endpoints serving `port` (the service port number) of `hostname`, from every service with that hostname,
   * optionally only instances whose labels include `labels` (a DestinationRule subset).
   */
  instancesOf(hostname: string, port: number, labels?: Labels): readonly ServiceEndpoint[];
  /** Every workload instance known (registered proxies, WorkloadEntries), e.g. to find a proxy's own. */
  workloads(): readonly WorkloadInstance[];
  /** Called after each change. Returns the function that stops it. */
  onChange(handler: (change: RegistryChange) => void): () => void;
}

/**
 * Resolves `host` as written in a resource of `namespace` to a registry hostname, following Kubernetes'
 * search path but only to names the registry knows (`reviews.prod` → `reviews.prod.svc.cluster.local` if that
 * service exists; `example.com` stays `example.com`).
 */
export function resolveInRegistry(
  registry: ServiceRegistry,
  host: string,
  namespace: string,
  domain = DEFAULT_DOMAIN,
): string {
  return resolveHost(host, namespace, domain, (fqdn) => registry.service(fqdn) !== undefined);
}
