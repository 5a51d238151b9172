// Which proxies a config change can affect, so pushes go only where the change allows: host-scoped kinds
// (VirtualService, DestinationRule) affect proxies that see one of their hosts, a Sidecar its namespace,
// a Gateway or a Secret the routers, a Namespace the routers and its own proxies; registry kinds are left to the
// registry's own change events; anything else (or a
// change that cannot be scoped, such as a delegate VirtualService) affects every proxy.
import type { Resource } from '../../api/resource.js';
import type { ConfigEvent } from '../../config/store.js';
import { configHost } from '../model/visibility.js';

export interface ChangeScope {
  full: boolean;
  /** Host patterns (FQDNs, wildcards allowed) whose proxies must be pushed. */
  hosts: string[];
  /** Namespaces whose proxies must be pushed. */
  namespaces: string[];
  /** Push every router (gateway) proxy. */
  routers: boolean;
  /** True when the change cannot affect xDS at all here (handled elsewhere, e.g. by the registry). */
  none: boolean;
}

const REGISTRY_KINDS = new Set(['Service', 'ServiceEntry', 'WorkloadEntry']);

function scopeOf(r: Resource, domain: string, rootNamespace: string): ChangeScope {
  const ns = r.metadata.namespace;
  const base: ChangeScope = { full: false, hosts: [], namespaces: [], routers: false, none: false };
  const spec = r.spec as Record<string, unknown>;
  if (REGISTRY_KINDS.has(r.kind)) return { ...base, none: true };
  switch (r.kind) {
    case 'VirtualService': {
      const hosts = spec.hosts as string[] | undefined;
      if (!hosts || hosts.length === 0) return { ...base, full: true }; // a delegate: its parents are unknown here
      const gateways = (spec.gateways as string[] | undefined) ?? ['mesh'];
      return {
        ...base,
        hosts: hosts.map((h) => configHost(h, ns, domain)),
        routers: gateways.some((g) => g !== 'mesh'),
      };
    }
    case 'DestinationRule':
      return { ...base, hosts: [configHost(String(spec.host), ns, domain)], routers: true };
    case 'Namespace':
      // Its labels select routes for Gateway API listeners (allowedRoutes) and scope its own workloads.
      return { ...base, namespaces: [r.metadata.name], routers: true };
    case 'Sidecar':
      return ns === rootNamespace ? { ...base, full: true } : { ...base, namespaces: [ns] };
    case 'Secret':
      // Served (SDS) to gateways only; also decides Gateway API listeners' certificateRefs.
      return { ...base, routers: true };
    case 'Gateway':
      return r.apiVersion.startsWith('networking.istio.io/')
        ? { ...base, routers: true }
        : { ...base, full: true };
    default:
      return { ...base, full: true };
  }
}

/** The scope of one store event (an update counts its old and new versions). */
export function configChangeScope(e: ConfigEvent, domain: string, rootNamespace: string): ChangeScope {
  const now = scopeOf(e.resource as Resource, domain, rootNamespace);
  if (e.type !== 'updated') return now;
  const before = scopeOf(e.previous as Resource, domain, rootNamespace);
  return {
    full: now.full || before.full,
    hosts: [...new Set([...now.hosts, ...before.hosts])],
    namespaces: [...new Set([...now.namespaces, ...before.namespaces])],
    routers: now.routers || before.routers,
    none: now.none && before.none,
  };
}
