// The status Istio writes on Gateway API resources, computed (never stored): GatewayClass Accepted; Gateway
// Accepted/Programmed with per-listener conditions and attachedRoutes; a route's parents with Accepted and
// ResolvedRefs. Shapes follow the Kubernetes objects' `status` fields.
import type { Condition, ListenerState, RouteGroupKind } from './gateway-api-listeners.js';
import type { ParentResult } from './gateway-api-parents.js';
import { GATEWAY_API_GROUP, type RouteError } from './gateway-api-refs.js';

/** The controller name Istio's GatewayClasses (and so Trellis, which implements them) report. */
export const CONTROLLER_NAME = 'istio.io/gateway-controller';

export interface ListenerStatus {
  name: string;
  attachedRoutes: number;
  supportedKinds: RouteGroupKind[];
  conditions: Condition[];
}

export interface GatewayStatus {
  conditions: Condition[];
  listeners: ListenerStatus[];
}

export interface RouteParentStatus {
  parentRef: {
    group: string;
    kind: string;
    name: string;
    namespace?: string;
    sectionName?: string;
    port?: number;
  };
  controllerName: string;
  conditions: Condition[];
}

export interface RouteStatus {
  parents: RouteParentStatus[];
}

export interface GatewayClassStatus {
  conditions: Condition[];
}

export type ResourceStatus = GatewayClassStatus | GatewayStatus | RouteStatus;
/** Status by statusKey(). */
export type StatusMap = Map<string, ResourceStatus>;

/** `group/Kind|namespace|name`, the store's key for a resource (namespace '' for cluster-scoped kinds). */
export function statusKey(apiVersion: string, kind: string, namespace: string, name: string): string {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return `${group === '' ? kind : `${group}/${kind}`}|${namespace}|${name}`;
}

export function gatewayClassStatus(): GatewayClassStatus {
  return {
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Handled by Trellis controller' },
    ],
  };
}

export function gatewayStatus(listeners: readonly ListenerState[]): GatewayStatus {
  return {
    conditions: [
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Resource accepted' },
      { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'Resource programmed' },
    ],
    listeners: listeners.map((l) => ({
      name: l.listener.name,
      attachedRoutes: l.attachedRoutes,
      supportedKinds: l.supportedKinds,
      conditions: l.conditions,
    })),
  };
}

/** One entry per parentRef: Accepted (or the parent's refusal) and ResolvedRefs (or the first reference problem). */
export function routeStatus(parents: readonly ParentResult[], errors: readonly RouteError[]): RouteStatus {
  const refError = errors[0];
  return {
    parents: parents.map((p) => {
      const bound = p.attached.length;
      const accepted: Condition = p.denied
        ? { type: 'Accepted', status: 'False', ...p.denied }
        : {
            type: 'Accepted',
            status: 'True',
            reason: 'Accepted',
            message: bound > 1 ? `Route was valid, bound to ${bound} parents` : 'Route was valid',
          };
      const resolved: Condition = refError
        ? { type: 'ResolvedRefs', status: 'False', ...refError }
        : {
            type: 'ResolvedRefs',
            status: 'True',
            reason: 'ResolvedRefs',
            message: 'All references resolved',
          };
      const ref = p.ref;
      return {
        parentRef: {
          group: ref.group ?? GATEWAY_API_GROUP,
          kind: ref.kind ?? 'Gateway',
          name: ref.name,
          ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
          ...(ref.sectionName !== undefined ? { sectionName: ref.sectionName } : {}),
          ...(ref.port !== undefined ? { port: ref.port } : {}),
        },
        controllerName: CONTROLLER_NAME,
        conditions: [accepted, resolved],
      };
    }),
  };
}
