// Virtual hosts of outbound route configs: one per visible service port, with the routes of the
// VirtualService bound to `mesh` that covers the service's host (or Istio's default route). Cached per
// snapshot and, keyed by the content of their inputs, across snapshots.
import { create, toBinary } from '@bufbuild/protobuf';
import type { Destination } from '../../../api/index.js';
import {
  type Route,
  RouteSchema,
  type VirtualHost,
  VirtualHostSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import type { Service } from '../../model/service.js';
import type { IndexedVirtualService } from '../../model/snapshot.js';
import { configHost, gatewayKey } from '../../model/visibility.js';
import { contentId, jsonId, memo, memoAcrossSnapshots, resourceKey } from '../cache.js';
import { effectivePolicy } from '../cluster/policy.js';
import type { TranslateContext } from '../context.js';
import { istioConfigPath, outboundClusterName, virtualHostName } from '../names.js';
import { concat, lengthDelimited } from '../wire.js';
import { expandDelegates } from './delegate.js';
import { serviceDomains } from './domains.js';
import { defaultRoute, httpRoutes, type RouteBuild } from './http-route.js';
import { virtualServiceFor } from './mesh-virtual-service.js';
import { delegatesKey, destinationsFingerprint } from './route-inputs.js';

/**
 * Resolves destinations to cluster names, given where short names resolve and the current port. Every
 * destination host it looks up (its service's ports, its DestinationRule) is added to `reads` when given.
 */
export function routeBuild(
  ctx: TranslateContext,
  gateway: string,
  port: number | undefined,
  namespace: string,
  reads?: Set<string>,
): RouteBuild {
  const portOf = (d: Destination, host: string): number => {
    reads?.add(host);
    if (d.port?.number) return d.port.number;
    const svc = ctx.snapshot.service(host);
    if (svc?.ports.length === 1) return svc.ports[0].port;
    if (port !== undefined && (!svc || svc.ports.some((p) => p.port === port))) return port;
    return svc?.ports[0]?.port ?? port ?? 80;
  };
  return {
    scope: { proxy: ctx.proxy, port, gateway, vsNamespace: namespace },
    clusterOf: (d) => {
      const host = configHost(d.host, namespace, ctx.domain);
      return outboundClusterName(portOf(d, host), d.subset ?? '', host);
    },
    // What this reads of a DestinationRule must stay covered by loadBalancerKey (route-inputs.ts).
    lbOf: (d) => {
      const host = configHost(d.host, namespace, ctx.domain);
      reads?.add(host);
      return effectivePolicy(ctx.destinationRule(host)?.spec, portOf(d, host), undefined).loadBalancer;
    },
    gatewayKeyOf: (g) => gatewayKey(g, namespace),
  };
}

/** Translates a VirtualService's HTTP routes (delegates expanded) for one gateway/port (see routeBuild). */
export function virtualServiceRoutes(
  ctx: TranslateContext,
  vs: IndexedVirtualService,
  gateway: string,
  port: number | undefined,
  reads?: Set<string>,
) {
  const ns = vs.resource.metadata.namespace;
  return expandDelegates(vs.resource.spec.http ?? [], ns, ctx.snapshot, istioConfigPath(vs.resource)).flatMap(
    (sr) => httpRoutes(sr.route, routeBuild(ctx, gateway, port, sr.namespace, reads), sr.config),
  );
}

/** A virtual host with its encoded bytes computed once (pieces are shared across proxies through the cache). */
export interface VhostPiece {
  message: VirtualHost;
  bytes: () => Uint8Array;
}

export function vhostPiece(message: VirtualHost): VhostPiece {
  let bytes: Uint8Array | undefined;
  return { message, bytes: () => (bytes ??= toBinary(VirtualHostSchema, message)) };
}

const callerDependent = new WeakMap<object, boolean>();

/** Whether a VirtualService's routes differ per caller (sourceLabels matches, possibly in delegates). */
export function dependsOnCallerLabels(vs: IndexedVirtualService): boolean {
  let v = callerDependent.get(vs);
  if (v === undefined) {
    v = (vs.resource.spec.http ?? []).some(
      (r) => r.delegate !== undefined || r.match?.some((m) => m.sourceLabels !== undefined),
    );
    callerDependent.set(vs, v);
  }
  return v;
}

/**
 * The virtual host of one service port for this caller. Cached per snapshot by everything it depends on:
 * the service and port, the domain style, the caller's namespace (short names, exportTo, DestinationRule
 * lookup, sourceNamespace), the VirtualService, and the caller's labels when its matches use them. Across
 * snapshots, the same inputs by content (see sharedRoutes), so a new snapshot reuses every virtual host
 * whose inputs did not change.
 */
export function serviceVirtualHost(
  ctx: TranslateContext,
  service: Service,
  port: number,
  meshVirtualServices: readonly IndexedVirtualService[],
  portQualifiedOnly: boolean,
): VhostPiece {
  const vs = virtualServiceFor(meshVirtualServices, service.hostname);
  const labels = vs && dependsOnCallerLabels(vs) ? JSON.stringify(ctx.proxy.labels) : '';
  const scope = `${service.hostname}|${port}|${ctx.proxy.namespace}|${vs ? resourceKey(vs.resource) : ''}|${labels}`;
  return memo(ctx.snapshot, `vh|${scope}|${portQualifiedOnly}`, () => {
    // The routes are the same in the per-port config and the HTTP-proxy config (only domains differ):
    // built and encoded once, then spliced into each virtual host's bytes.
    const routes = memo(ctx.snapshot, `routes|${scope}`, () => sharedRoutes(ctx, service, port, vs, labels));
    // Domains read the service (hostname, addresses), the port, the caller's namespace and the mesh domain:
    // all in the routes' key already.
    return memoAcrossSnapshots(ctx.snapshot, `vh|${routes.key}|${portQualifiedOnly}`, () => {
      const name = virtualHostName(service.hostname, port);
      const domains = serviceDomains(service, port, ctx.proxy.namespace, ctx.domain, portQualifiedOnly);
      const message = create(VirtualHostSchema, { name, domains, routes: routes.list });
      let bytes: Uint8Array | undefined;
      return {
        message,
        bytes: () => {
          bytes ??= virtualHostBytes(name, domains, routes.bytes);
          return bytes;
        },
      };
    });
  });
}

/** A service port's routes for one caller view, encoded, with the content key they are cached under. */
interface SharedRoutes {
  key: string;
  list: Route[];
  bytes: Uint8Array[];
}

/** What a cached route list was built from besides its key: the destination hosts it looked up. */
interface RoutesEntry {
  hosts: string[];
  fingerprint: string;
  routes: SharedRoutes;
}

/**
 * The routes of a service port, reused across snapshots while their inputs are unchanged. The key holds
 * every input known before building: the mesh domain, the caller's namespace (and labels when matches read
 * them), the port, the service, the VirtualService and the delegates it names, by content. The destinations'
 * inputs (each destination service's ports, the DestinationRule that applies to it: load balancer hashing)
 * are only known while building: the hosts looked up are recorded, and a cached entry is used only when
 * those lookups give the same answers in the new snapshot.
 */
function sharedRoutes(
  ctx: TranslateContext,
  service: Service,
  port: number,
  vs: IndexedVirtualService | undefined,
  labels: string,
): SharedRoutes {
  const key = `routes|${ctx.domain}|${ctx.proxy.namespace}|${labels}|${port}|${jsonId(ctx.snapshot, service)}|${vs ? `${contentId(vs.resource)}|${delegatesKey(ctx, vs)}` : '-'}`;
  const cached = memoAcrossSnapshots<{ entry?: RoutesEntry }>(ctx.snapshot, key, () => ({}));
  const entry = cached.entry;
  if (entry && destinationsFingerprint(ctx, entry.hosts) === entry.fingerprint) return entry.routes;
  const reads = new Set<string>();
  const list = serviceRoutes(ctx, service, port, vs, reads);
  const hosts = [...reads].sort();
  const bytes = list.map((r) => toBinary(RouteSchema, r));
  const routes = { key: `${key}#${nextRoutesVersion++}`, list, bytes };
  cached.entry = { hosts, fingerprint: destinationsFingerprint(ctx, hosts), routes };
  return routes;
}

/** Versions of route lists: a list rebuilt under the same key (a destination's inputs changed) gets a new one. */
let nextRoutesVersion = 1;

function serviceRoutes(
  ctx: TranslateContext,
  service: Service,
  port: number,
  vs: IndexedVirtualService | undefined,
  reads: Set<string>,
): Route[] {
  if (vs) return virtualServiceRoutes(ctx, vs, 'mesh', port, reads);
  reads.add(service.hostname);
  const lb = effectivePolicy(ctx.destinationRule(service.hostname)?.spec, port, undefined).loadBalancer;
  return [defaultRoute(outboundClusterName(port, '', service.hostname), lb)];
}

const utf8 = new TextEncoder();

/** VirtualHost{name = 1, domains = 2, routes = 3} from encoded routes. */
function virtualHostBytes(
  name: string,
  domains: readonly string[],
  routes: readonly Uint8Array[],
): Uint8Array {
  const parts = [...lengthDelimited(1, utf8.encode(name))];
  for (const d of domains) parts.push(...lengthDelimited(2, utf8.encode(d)));
  for (const r of routes) parts.push(...lengthDelimited(3, r));
  return concat(parts);
}
