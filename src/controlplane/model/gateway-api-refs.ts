// ReferenceGrants (who may refer across namespaces) and backendRef resolution for Gateway API routes: a
// backend becomes a host, or a route error with Istio's reason (RefNotPermitted, BackendNotFound, InvalidKind).
import type { ReferenceGrantSpec } from '../../api/kinds/reference-grant.js';
import type { Resource } from '../../api/resource.js';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** A problem with a route's references, reported as the route's ResolvedRefs condition. */
export interface RouteError {
  reason: string;
  message: string;
}

/** The kinds ReferenceGrants may name on either side (Istio honours these). */
const FROM_KINDS = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute']);
const TO_KINDS = new Set(['Service', 'Secret']);

/** Every ReferenceGrant, indexed as `fromKind|fromNamespace|toKind|toNamespace` → allowed names (`*` = all). */
export class ReferenceGrants {
  private readonly allowed = new Map<string, Set<string>>();

  constructor(configs: readonly Resource[]) {
    for (const r of configs) {
      if (r.kind !== 'ReferenceGrant' || !r.apiVersion.startsWith(`${GATEWAY_API_GROUP}/`)) continue;
      const spec = r.spec as ReferenceGrantSpec;
      for (const from of spec.from) {
        if (from.group !== GATEWAY_API_GROUP || !FROM_KINDS.has(from.kind)) continue;
        for (const to of spec.to) {
          if (to.group !== '' || !TO_KINDS.has(to.kind)) continue;
          const key = `${from.kind}|${from.namespace}|${to.kind}|${r.metadata.namespace}`;
          const names = this.allowed.get(key) ?? new Set<string>();
          names.add(to.name ? to.name : '*');
          this.allowed.set(key, names);
        }
      }
    }
  }

  /** Whether a `fromKind` in `fromNs` may refer to the `toKind` named `name` in `toNs` (same namespace: always). */
  allows(
    fromKind: string,
    fromNs: string,
    toKind: 'Service' | 'Secret',
    toNs: string,
    name: string,
  ): boolean {
    if (fromNs === toNs) return true;
    const names = this.allowed.get(`${fromKind}|${fromNs}|${toKind}|${toNs}`);
    return names !== undefined && (names.has('*') || names.has(name));
  }
}

export interface BackendRefLike {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
}

/** What a route's references are checked against. */
export interface RefContext {
  domain: string;
  grants: ReferenceGrants;
  /** The route's kind and namespace (the `from` side of a ReferenceGrant). */
  routeKind: string;
  routeNamespace: string;
  /** Whether a service host exists; when absent (plain conversion), existence is not checked. */
  serviceExists?: (host: string) => boolean;
}

/**
 * A backendRef → its host (`<name>.<ns>.svc.<domain>` for a Service, the name for Istio's `Hostname` kind),
 * or an error. RefNotPermitted and InvalidKind leave no host (the traffic share is refused); BackendNotFound
 * keeps the host, as Istio does, so the route starts working when the service appears.
 */
export function resolveBackend(ref: BackendRefLike, ctx: RefContext): { host?: string; error?: RouteError } {
  const group = ref.group ?? '';
  const kind = ref.kind ?? 'Service';
  const ns = ref.namespace ?? ctx.routeNamespace;
  if (group === '' && kind === 'Service') {
    if (!ctx.grants.allows(ctx.routeKind, ctx.routeNamespace, 'Service', ns, ref.name)) {
      return {
        error: {
          reason: 'RefNotPermitted',
          message: `backendRef ${ref.name}/${ns} not accessible to a ${ctx.routeKind} in namespace "${ctx.routeNamespace}" (missing a ReferenceGrant?)`,
        },
      };
    }
    const host = `${ref.name}.${ns}.svc.${ctx.domain}`;
    if (ctx.serviceExists && !ctx.serviceExists(host))
      return { host, error: { reason: 'BackendNotFound', message: `backend(${host}) not found` } };
    return { host };
  }
  if (group === 'networking.istio.io' && kind === 'Hostname') {
    if (ctx.serviceExists && !ctx.serviceExists(ref.name))
      return {
        host: ref.name,
        error: { reason: 'BackendNotFound', message: `backend(${ref.name}) not found` },
      };
    return { host: ref.name };
  }
  return {
    error: {
      reason: 'InvalidKind',
      message: `referencing unsupported backendRef: group "${group}" kind "${kind}"`,
    },
  };
}
