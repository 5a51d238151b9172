// VirtualService delegation: a route with `delegate` is replaced by the delegate VirtualService's routes,
// each with its matches combined with the parent's (the child's fields win; header/query maps merge).

import type { HTTPMatchRequest, HTTPRoute } from '../../../api/index.js';
import type { Snapshot } from '../../model/snapshot.js';
import { istioConfigPath } from '../names.js';

/** One HTTP route ready to translate, with the namespace its short host names resolve in. */
export interface ScopedRoute {
  route: HTTPRoute;
  namespace: string;
  /** The VirtualService that wrote the route (the delegate's for delegated routes), as istioConfigPath. */
  config: string;
}

export function mergeMatch(parent: HTTPMatchRequest, child: HTTPMatchRequest): HTTPMatchRequest {
  const merged: HTTPMatchRequest = { ...parent, ...child };
  if (parent.headers || child.headers) merged.headers = { ...parent.headers, ...child.headers };
  if (parent.queryParams || child.queryParams)
    merged.queryParams = { ...parent.queryParams, ...child.queryParams };
  if (parent.withoutHeaders || child.withoutHeaders) {
    merged.withoutHeaders = { ...parent.withoutHeaders, ...child.withoutHeaders };
  }
  if (parent.name && child.name) merged.name = `${parent.name}.${child.name}`;
  return merged;
}

function mergeMatches(
  parent: HTTPMatchRequest[] | undefined,
  child: HTTPMatchRequest[] | undefined,
): HTTPMatchRequest[] | undefined {
  if (!parent || parent.length === 0) return child;
  if (!child || child.length === 0) return parent;
  return parent.flatMap((p) => child.map((c) => mergeMatch(p, c)));
}

/** Expands delegates (one level, as Istio allows); a missing delegate contributes no routes. */
export function expandDelegates(
  routes: readonly HTTPRoute[],
  namespace: string,
  snapshot: Snapshot,
  config: string,
): ScopedRoute[] {
  const out: ScopedRoute[] = [];
  for (const route of routes) {
    if (!route.delegate) {
      out.push({ route, namespace, config });
      continue;
    }
    const childNs = route.delegate.namespace ?? namespace;
    const child = snapshot.delegate(route.delegate.name, childNs);
    if (!child) continue;
    const childConfig = istioConfigPath(child.resource);
    for (const cr of child.resource.spec.http ?? []) {
      if (cr.delegate) continue; // Istio allows one level of delegation.
      const match = mergeMatches(route.match, cr.match);
      out.push({ route: match ? { ...cr, match } : cr, namespace: childNs, config: childConfig });
    }
  }
  return out;
}
