// Simulated calls through generated config, no sockets: translate → encode → decode with the proxy's own
// decoder (which must accept it) → match with the proxy router's compiled route table → cluster → endpoints.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MeshProxy } from '../../src/controlplane/model/proxy.js';
import type { Snapshot } from '../../src/controlplane/model/snapshot.js';
import { clustersFor } from '../../src/controlplane/translate/cluster/index.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { loadAssignment } from '../../src/controlplane/translate/endpoint/eds.js';
import { gatewayRouteName, HTTP_PROXY } from '../../src/controlplane/translate/names.js';
import { routeConfigByName } from '../../src/controlplane/translate/route/route-config.js';
import { ClusterSchema } from '../../src/generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { RouteConfigurationSchema } from '../../src/generated/envoy/config/route/v3/route_pb.js';
import type { Cluster, ClusterLoadAssignment } from '../../src/proxy/config/cluster.js';
import type { RouteConfiguration } from '../../src/proxy/config/route.js';
import {
  ActionKind,
  type CompiledRoute,
  pickWeighted,
  redirectLocation,
  rewritePath,
} from '../../src/proxy/router/compiled-route.js';
import { CompiledRouteTable } from '../../src/proxy/router/route-table.js';
import { decodeCluster } from '../../src/proxy/xds-client/decode-cluster.js';
import { decodeClusterLoadAssignment } from '../../src/proxy/xds-client/decode-endpoint.js';
import { decodeRouteConfiguration } from '../../src/proxy/xds-client/decode-route.js';

export interface Call {
  host: string;
  /** The service (or gateway) port: selects the route config (`9080`, `http.8080`) and the Host's port. */
  port: number;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  /** Sidecars: through the per-port route config (default) or the local HTTP proxy's. */
  via?: 'port' | 'http_proxy';
  /** Value in [0, 1) used for weighted picks and match fractions. */
  random?: number;
}

export interface CallResult {
  routeConfig: string;
  /** 404 when no route matched; a redirect's or direct response's status. */
  status?: number;
  location?: string;
  body?: string;
  route?: CompiledRoute;
  virtualHost?: string;
  /** The cluster the call goes to (a weighted pick with `random`). */
  cluster?: string;
  weighted?: { name: string; weight: number }[];
  /** `address:port` of the endpoints of `cluster`. */
  endpoints: string[];
  path?: string;
}

export class Simulation {
  private readonly ctx: TranslateContext;
  private readonly tables = new Map<string, { table: CompiledRouteTable; config: RouteConfiguration }>();
  private rnd = 0;

  constructor(
    snapshot: Snapshot,
    readonly proxy: MeshProxy,
  ) {
    this.ctx = new TranslateContext(snapshot, proxy);
  }

  /** The decoded route config (throws when the proxy's decoder would NACK it). */
  routeConfig(name: string): RouteConfiguration {
    return this.table(name).config;
  }

  private table(name: string) {
    let t = this.tables.get(name);
    if (!t) {
      const rc = routeConfigByName(this.ctx, name);
      if (!rc) throw new Error(`no route config "${name}"`);
      const wire = fromBinary(RouteConfigurationSchema, toBinary(RouteConfigurationSchema, rc));
      const decoded = decodeRouteConfiguration(wire);
      if (!decoded.ok) throw new Error(`route config ${name} NACKed: ${JSON.stringify(decoded.errors)}`);
      t = { table: new CompiledRouteTable(decoded.value, () => this.rnd), config: decoded.value };
      this.tables.set(name, t);
    }
    return t;
  }

  call(c: Call): CallResult {
    const name =
      this.proxy.type === 'router'
        ? gatewayRouteName(c.port)
        : c.via === 'http_proxy'
          ? HTTP_PROXY
          : String(c.port);
    const { table } = this.table(name);
    this.rnd = c.random ?? 0;
    const headers: string[] = [];
    for (const [k, v] of Object.entries(c.headers ?? {})) headers.push(k.toLowerCase(), v);
    const authority =
      c.via === 'http_proxy' && c.port !== 80 && !c.host.includes(':') ? `${c.host}:${c.port}` : c.host;
    const method = c.method ?? 'GET';
    const path = c.path ?? '/';
    const req = {
      authority,
      path,
      method,
      scheme: 'http',
      headers: [':authority', authority, ':method', method, ':path', path, ':scheme', 'http', ...headers],
    };
    const vh = table.virtualHost(authority);
    const route = table.match(req);
    const result: CallResult = { routeConfig: name, endpoints: [] };
    if (vh) result.virtualHost = vh.name;
    if (!route) {
      result.status = 404;
      return result;
    }
    result.route = route;
    if (route.kind === ActionKind.Redirect && route.redirect) {
      result.status = route.redirect.status;
      result.location = redirectLocation(route.redirect, route, 'http', authority, path);
      return result;
    }
    if (route.kind === ActionKind.Direct) {
      result.status = route.directStatus;
      result.body = route.directBody;
      return result;
    }
    result.path = rewritePath(route, path) ?? path;
    if (route.weighted.length > 0) {
      let prev = 0;
      result.weighted = route.weighted.map((w) => {
        const weight = w.cumulative - prev;
        prev = w.cumulative;
        return { name: w.name, weight };
      });
      result.cluster = pickWeighted(route, () => this.rnd).name;
    } else result.cluster = route.cluster;
    result.endpoints = this.endpoints(result.cluster);
    return result;
  }

  /** A cluster as the proxy decodes it (throws when the decoder would NACK it). */
  cluster(name: string): Cluster {
    const c = clustersFor(this.ctx).find((x) => x.name === name);
    if (!c) throw new Error(`no cluster "${name}"`);
    const decoded = decodeCluster(fromBinary(ClusterSchema, toBinary(ClusterSchema, c)), {
      readFile: () => '',
    });
    if (!decoded.ok) throw new Error(`cluster ${name} NACKed: ${JSON.stringify(decoded.errors)}`);
    return decoded.value;
  }

  clusterNames(): string[] {
    return clustersFor(this.ctx).map((c) => c.name);
  }

  /** The decoded load assignment of an EDS cluster. */
  loadAssignment(name: string): ClusterLoadAssignment {
    const cla = loadAssignment(this.ctx, name);
    if (!cla) throw new Error(`no endpoints for "${name}"`);
    const decoded = decodeClusterLoadAssignment(
      fromBinary(ClusterLoadAssignmentSchema, toBinary(ClusterLoadAssignmentSchema, cla)),
    );
    if (!decoded.ok) throw new Error(`endpoints ${name} NACKed: ${JSON.stringify(decoded.errors)}`);
    return decoded.value;
  }

  endpoints(cluster: string): string[] {
    const cla = loadAssignment(this.ctx, cluster);
    if (!cla) return [];
    return cla.endpoints.flatMap((l) =>
      l.lbEndpoints.flatMap((e) => {
        const a = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value.address?.address : undefined;
        return a?.case === 'socketAddress' ? [`${a.value.address}:${a.value.portSpecifier.value}`] : [];
      }),
    );
  }
}
