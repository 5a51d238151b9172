// The generators per xDS type, wired in one table: (context, requested names) → named resources packed as
// Any. Listeners and clusters are sent whole (wildcard); route configs and endpoints by requested name.
import { type DescMessage, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { type Any, anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';
import { type Cluster, Cluster_DiscoveryType } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { type Listener, ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { contentId, jsonId, memo, memoAcrossSnapshots, resourceKey } from './cache.js';
import { clustersFor, packedClustersFor } from './cluster/index.js';
import type { TranslateContext } from './context.js';
import { edsCacheKey, loadAssignment } from './endpoint/eds.js';
import { listenersFor } from './listener/index.js';
import { parseClusterName } from './names.js';
import { routeConfigAny, routeConfigByName, routeConfigPiecesByName } from './route/route-config.js';
import { secretsFor } from './sds/gateway-secrets.js';

export const TYPE_URLS = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export interface NamedResource {
  name: string;
  resource: Any;
}

/** `names` undefined or empty = every resource of the type (wildcard). */
export type Generator = (ctx: TranslateContext, names: readonly string[] | undefined) => NamedResource[];

function packAll<D extends DescMessage>(
  schema: D,
  items: MessageShape<D>[],
  nameOf: (m: MessageShape<D>) => string,
): NamedResource[] {
  return items.map((m) => ({ name: nameOf(m), resource: anyPack(schema, m) }));
}

const failoverPriorityUse = new WeakMap<object, boolean>();

/** Whether a DestinationRule orders endpoints by the caller's labels anywhere (then EDS depends on them). */
function usesFailoverPriority(spec: object | undefined): boolean {
  if (!spec) return false;
  let v = failoverPriorityUse.get(spec);
  if (v === undefined) {
    v = JSON.stringify(spec).includes('"failoverPriority"');
    failoverPriorityUse.set(spec, v);
  }
  return v;
}

export const GENERATORS: Readonly<Record<string, Generator>> = {
  [TYPE_URLS.cluster]: (ctx) => packedClustersFor(ctx),
  [TYPE_URLS.listener]: (ctx) => packAll(ListenerSchema, listenersFor(ctx), (l) => l.name),
  [TYPE_URLS.route]: (ctx, names) =>
    (names ?? []).flatMap((n) => {
      const pieces = routeConfigPiecesByName(ctx, n);
      return pieces ? [{ name: n, resource: routeConfigAny(pieces) }] : [];
    }),
  [TYPE_URLS.secret]: (ctx, names) => secretsFor(ctx, names),
  [TYPE_URLS.endpoint]: (ctx, names) =>
    // The whole response is shared by proxies that ask for the same names and see the same endpoints.
    memo(ctx.snapshot, `eds-all|${namesId(names)}|${endpointViewKey(ctx)}`, () =>
      endpointsByName(ctx, names),
    ),
};

function endpointsByName(ctx: TranslateContext, names: readonly string[] | undefined): NamedResource[] {
  return (names ?? []).flatMap((n) => {
    const parsed = parseClusterName(n);
    const dr = parsed ? ctx.destinationRule(parsed.host) : undefined;
    // Endpoints depend on the cluster, its DestinationRule (subset labels, locality settings) and the
    // caller's locality (and labels, with failoverPriority) only; across snapshots also on the instances.
    const key = edsCacheKey(ctx, n, resourceKey(dr), usesFailoverPriority(dr?.spec));
    const packed = memo(ctx.snapshot, key, () => {
      // The instance list of a port is one array per snapshot, shared by the port's subsets.
      const instances = parsed ? jsonId(ctx.snapshot, ctx.snapshot.instancesOf(parsed.host, parsed.port)) : 0;
      return memoAcrossSnapshots(ctx.snapshot, `${key}|${contentId(dr)}|${instances}`, () => {
        const cla = loadAssignment(ctx, n);
        return cla ? anyPack(ClusterLoadAssignmentSchema, cla) : undefined;
      });
    });
    return packed ? [{ name: n, resource: packed }] : [];
  });
}

/**
 * What of the caller its endpoint sets depend on (see edsCacheKey): its namespace (which DestinationRule
 * applies), its locality, and its labels when any DestinationRule orders endpoints by them.
 */
function endpointViewKey(ctx: TranslateContext): string {
  const { proxy, snapshot } = ctx;
  const byLabels = memo(snapshot, 'eds-failover-priority', () =>
    snapshot.configs.some((c) => c.kind === 'DestinationRule' && usesFailoverPriority(c.spec as object)),
  );
  return `${proxy.namespace}|${proxy.locality}|${byLabels ? JSON.stringify(proxy.labels) : ''}`;
}

const nameListIds = new WeakMap<readonly string[], number>();
const nameListsByContent = new Map<string, number>();
let nextNameListId = 1;

/**
 * A number standing for a requested name list's content, computed once per list object (a subscription's
 * names): equal lists get equal numbers. Numbers are never reused, so clearing the content map only costs
 * sharing, never correctness.
 */
function namesId(names: readonly string[] | undefined): number {
  if (!names || names.length === 0) return 0;
  let id = nameListIds.get(names);
  if (id === undefined) {
    const content = names.join('\n');
    id = nameListsByContent.get(content);
    if (id === undefined) {
      if (nameListsByContent.size >= 10_000) nameListsByContent.clear();
      id = nextNameListId++;
      nameListsByContent.set(content, id);
    }
    nameListIds.set(names, id);
  }
  return id;
}

/** Route config names the listeners point at through RDS. */
export function rdsNames(listeners: readonly Listener[]): string[] {
  const names = new Set<string>();
  for (const l of listeners) {
    for (const fc of [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])]) {
      for (const f of fc.filters) {
        if (f.configType.case !== 'typedConfig') continue;
        const hcm = anyUnpack(f.configType.value, HttpConnectionManagerSchema);
        if (hcm?.routeSpecifier.case === 'rds') names.add(hcm.routeSpecifier.value.routeConfigName);
      }
    }
  }
  return [...names].sort();
}

/** EDS cluster (service) names of a cluster list. */
export function edsNames(clusters: readonly Cluster[]): string[] {
  return clusters
    .filter(
      (c) =>
        c.clusterDiscoveryType.case === 'type' && c.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS,
    )
    .map((c) => c.edsClusterConfig?.serviceName || c.name);
}

/** A proxy's whole config as typed messages (what a client following every reference would receive). */
export function translateAll(ctx: TranslateContext) {
  const listeners = listenersFor(ctx);
  const clusters = clustersFor(ctx);
  const routes = rdsNames(listeners).flatMap((n) => routeConfigByName(ctx, n) ?? []);
  const endpoints = edsNames(clusters).flatMap((n) => loadAssignment(ctx, n) ?? []);
  return { listeners, clusters, routes, endpoints };
}

/** Bytes of a message for hashing and sizing. */
export function bytesOf<D extends DescMessage>(schema: D, m: MessageShape<D>): Uint8Array {
  return toBinary(schema, m);
}
