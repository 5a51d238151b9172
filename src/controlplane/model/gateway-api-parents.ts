// Which listeners a Gateway API route attaches to: parentRefs (sectionName, port), hostname intersection,
// allowedRoutes namespaces and kinds, with Istio's reasons when a parent refuses (NoMatchingParent,
// NoMatchingListenerHostname, NotAllowedByListeners), collapsed to one result per parentRef.
import { hostMatches } from '../../api/host.js';
import type { ParentReference } from '../../api/index.js';
import { labelsMatch } from '../../api/labels.js';
import type { ListenerState } from './gateway-api-listeners.js';
import { GATEWAY_API_GROUP, type RouteError } from './gateway-api-refs.js';

/** The label Kubernetes puts on every Namespace (selectors may use it even where it was never written). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface ParentResult {
  ref: ParentReference;
  /** Why the parent refused the route (Accepted False); undefined when at least one listener took it. */
  denied?: RouteError;
  /** The listeners that took the route, with the hostnames it serves on each. */
  attached: { listener: ListenerState; hosts: string[] }[];
}

export interface AttachContext {
  /** Programmable listeners per Gateway `ns/name` (Gateways of our classes). */
  listeners: Map<string, ListenerState[]>;
  /** Every Gateway API Gateway `ns/name`, of any class (a parent of another class is not ours to judge). */
  allGateways: Set<string>;
  namespaceLabels: Map<string, Record<string, string>>;
}

/** Whether a listener's allowedRoutes.namespaces admits a route from `routeNs`. */
function namespaceAllowed(l: ListenerState, routeNs: string, labels: Map<string, Record<string, string>>) {
  const from = l.listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNs === l.gateway.metadata.namespace;
  // Selector: matchLabels against the Namespace's labels (matchExpressions are not evaluated: no match).
  const sel = l.listener.allowedRoutes?.namespaces?.selector;
  if (!sel || sel.matchExpressions?.length) return false;
  const nsLabels = { ...(labels.get(routeNs) ?? {}), [NAMESPACE_NAME_LABEL]: routeNs };
  return labelsMatch(sel.matchLabels ?? {}, nsLabels);
}

/** Route hostnames narrowed by a listener's hostname; empty when they do not intersect. */
export function intersectHosts(routeHosts: readonly string[], listenerHost: string | undefined): string[] {
  if (routeHosts.length === 0) return [listenerHost ?? '*'];
  if (!listenerHost) return [...routeHosts];
  const out: string[] = [];
  for (const h of routeHosts) {
    if (hostMatches(listenerHost, h)) out.push(h);
    else if (hostMatches(h, listenerHost)) out.push(listenerHost);
  }
  return [...new Set(out)];
}

/** Why one listener refuses the route, checked in Istio's order; undefined when it takes it. */
function refusal(
  l: ListenerState,
  ref: ParentReference,
  kind: string,
  routeNs: string,
  hostnames: readonly string[],
  ctx: AttachContext,
): RouteError | undefined {
  if (ref.port !== undefined && ref.port !== l.listener.port)
    return { reason: 'NoMatchingParent', message: `port ${ref.port} not found` };
  if (ref.sectionName !== undefined && ref.sectionName !== l.listener.name)
    return { reason: 'NoMatchingParent', message: `sectionName "${ref.sectionName}" not found` };
  const listenerHost = l.listener.hostname ?? '*';
  if (intersectHosts(hostnames, l.listener.hostname).length === 0)
    return {
      reason: 'NoMatchingListenerHostname',
      message: `no hostnames matched parent hostname "${listenerHost}"`,
    };
  if (!namespaceAllowed(l, routeNs, ctx.namespaceLabels)) {
    return {
      reason: 'NotAllowedByListeners',
      message: `hostnames matched parent hostname "${listenerHost}", but namespace "${routeNs}" is not allowed by the parent`,
    };
  }
  if (!l.supportedKinds.some((k) => k.kind === kind))
    return { reason: 'NotAllowedByListeners', message: `kind ${GATEWAY_API_GROUP}/${kind} is not allowed` };
  return undefined;
}

/** Most useful first: a parent that refused for a route-level reason says more than a section that was not asked for. */
const RANKING = ['NotAllowedByListeners', 'NoMatchingListenerHostname', 'NoMatchingParent'];

/**
 * The parents of one route. `hostnames` are the route's (TCPRoute has none). Each attached listener's
 * attachedRoutes count goes up by one.
 */
export function attachRoute(
  kind: string,
  routeNs: string,
  parentRefs: readonly ParentReference[],
  hostnames: readonly string[],
  ctx: AttachContext,
): ParentResult[] {
  const out: ParentResult[] = [];
  for (const ref of parentRefs) {
    if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway')
      continue; // a Service parent (GAMMA) or another kind: not handled here
    const gwKey = `${ref.namespace ?? routeNs}/${ref.name}`;
    const listeners = ctx.listeners.get(gwKey);
    if (!listeners) {
      if (ctx.allGateways.has(gwKey)) continue; // another controller's Gateway
      out.push({ ref, denied: { reason: 'NoMatchingParent', message: 'parent not found' }, attached: [] });
      continue;
    }
    const attached: ParentResult['attached'] = [];
    const refusals: RouteError[] = [];
    for (const l of listeners) {
      const why = refusal(l, ref, kind, routeNs, hostnames, ctx);
      if (why) {
        refusals.push(why);
        continue;
      }
      l.attachedRoutes++;
      attached.push({ listener: l, hosts: intersectHosts(hostnames, l.listener.hostname) });
    }
    if (attached.length > 0 || refusals.length === 0) {
      out.push({ ref, attached });
      continue;
    }
    const best = RANKING.find((r) => refusals.some((x) => x.reason === r)) ?? refusals[0].reason;
    const messages = [...new Set(refusals.filter((x) => x.reason === best).map((x) => x.message))];
    out.push({ ref, denied: { reason: best, message: messages.join('; ') }, attached: [] });
  }
  return out;
}
