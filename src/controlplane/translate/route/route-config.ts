// Route configurations by name: sidecar outbound per port (`9080`), the local HTTP forward proxy's
// (`http_proxy`, every visible service port, port-qualified domains), and gateways' (`http.<port>` for
// plain HTTP servers, `https.<port>.<port name>.<gateway>.<namespace>` per terminating HTTPS server).
import { create } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { hostMatches } from '../../../api/host.js';
import {
  RedirectActionSchema,
  RouteActionSchema,
  RouteSchema,
  type VirtualHost,
  VirtualHostSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import {
  type RouteConfiguration,
  RouteConfigurationSchema,
} from '../../../generated/envoy/config/route/v3/route_pb.js';
import { isHttpProtocol } from '../../model/service.js';
import { memo, memoAcrossSnapshots, objectId } from '../cache.js';
import type { TranslateContext } from '../context.js';
import {
  BLACKHOLE_CLUSTER,
  gatewayRouteName,
  HTTP_PROXY,
  PASSTHROUGH_CLUSTER,
  virtualHostName,
} from '../names.js';
import { routeConfigurationAny } from '../wire.js';
import { routeMatch } from './match.js';
import { applyTimeout } from './timeout.js';
import {
  dependsOnCallerLabels,
  serviceVirtualHost,
  type VhostPiece,
  vhostPiece,
  virtualServiceRoutes,
} from './virtual-host.js';

/** A route configuration as its name and virtual-host pieces (messages with cached bytes). */
export interface RouteConfigPieces {
  name: string;
  virtualHosts: VhostPiece[];
}

export function routeConfigMessage(p: RouteConfigPieces): RouteConfiguration {
  return create(RouteConfigurationSchema, {
    name: p.name,
    virtualHosts: p.virtualHosts.map((v) => v.message),
  });
}

const packedConfigs = new WeakMap<RouteConfigPieces, Any>();

/** The route config packed as Any; made once per pieces object, so proxies sharing the pieces share the bytes. */
export function routeConfigAny(p: RouteConfigPieces): Any {
  let any = packedConfigs.get(p);
  if (!any) {
    any = routeConfigurationAny(
      p.name,
      p.virtualHosts.map((v) => v.bytes()),
    );
    packedConfigs.set(p, any);
  }
  return any;
}

/**
 * Drops domains already claimed by an earlier virtual host (Envoy rejects duplicates) and hosts left with
 * none. Shared (cached) pieces are never mutated: a trimmed host becomes a new piece.
 */
function dedupeDomains(vhosts: (VirtualHost | VhostPiece)[]): VhostPiece[] {
  const seen = new Set<string>();
  const out: VhostPiece[] = [];
  for (const v of vhosts) {
    const piece = 'message' in v ? v : vhostPiece(v);
    const domains = piece.message.domains.filter((d) => {
      const k = d.toLowerCase();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (domains.length === piece.message.domains.length) out.push(piece);
    else if (domains.length > 0) out.push(vhostPiece({ ...piece.message, domains }));
  }
  return out;
}

/** Whether hosts outside the registry may be reached (the proxy's Sidecar, else the mesh setting). */
function allowsAny(ctx: TranslateContext): boolean {
  const sidecarPolicy = ctx.snapshot.sidecarFor(ctx.proxy)?.spec.outboundTrafficPolicy?.mode;
  return (sidecarPolicy ?? ctx.snapshot.mesh.outboundTrafficPolicy) === 'ALLOW_ANY';
}

/** The catch-all for hosts outside the registry: PassthroughCluster (ALLOW_ANY) or BlackHoleCluster. */
function fallbackVirtualHost(allowAny: boolean): VirtualHost {
  const action = create(RouteActionSchema, {
    clusterSpecifier: { case: 'cluster', value: allowAny ? PASSTHROUGH_CLUSTER : BLACKHOLE_CLUSTER },
  });
  applyTimeout(action, undefined);
  return create(VirtualHostSchema, {
    name: allowAny ? 'allow_any' : 'block_all',
    domains: ['*'],
    routes: [
      create(RouteSchema, {
        name: allowAny ? 'allow_any' : 'block_all',
        match: routeMatch(undefined),
        action: { case: 'route', value: action },
      }),
    ],
  });
}

/**
 * Everything about the proxy a sidecar outbound or HTTP-proxy route config depends on: its type, namespace
 * and Sidecar (which services it sees, short names, exportTo, DestinationRule lookup, the fallback route)
 * and, when a mesh VirtualService it sees matches on source labels, its labels. Proxies with the same view
 * get the same (shared) route config.
 */
function outboundViewKey(ctx: TranslateContext): string {
  const { proxy, snapshot } = ctx;
  const callerDependent = memo(snapshot, `rc-labels|${proxy.namespace}`, () =>
    snapshot.virtualServices('mesh', proxy.namespace).some(dependsOnCallerLabels),
  );
  const labels = callerDependent ? JSON.stringify(proxy.labels) : '';
  return `${proxy.type}|${proxy.namespace}|${objectId(snapshot.sidecarFor(proxy))}|${labels}`;
}

export function outboundRouteConfig(ctx: TranslateContext, port: number): RouteConfigPieces {
  return memo(ctx.snapshot, `rc|${port}|${outboundViewKey(ctx)}`, () => buildOutboundRouteConfig(ctx, port));
}

function buildOutboundRouteConfig(ctx: TranslateContext, port: number): RouteConfigPieces {
  const mesh = ctx.snapshot.virtualServices('mesh', ctx.proxy.namespace);
  const vhosts: VhostPiece[] = [];
  for (const svc of ctx.visibleServices()) {
    const sp = svc.ports.find((p) => p.port === port);
    if (sp && isHttpProtocol(sp.protocol)) vhosts.push(serviceVirtualHost(ctx, svc, port, mesh, false));
  }
  return sharedRouteConfig(ctx, String(port), vhosts);
}

/**
 * A sidecar route config from its service virtual hosts and the fallback, reused across snapshots when the
 * pieces are the same (cached pieces are content-keyed, so the same piece objects mean the same content):
 * the config keeps its packed bytes, and proxies skip re-hashing it.
 */
function sharedRouteConfig(ctx: TranslateContext, name: string, vhosts: VhostPiece[]): RouteConfigPieces {
  const allowAny = allowsAny(ctx);
  let key = `rc|${name}|${allowAny}|`;
  for (const v of vhosts) key += `${objectId(v)},`;
  return memoAcrossSnapshots(ctx.snapshot, key, () => ({
    name,
    virtualHosts: dedupeDomains([...vhosts, fallbackVirtualHost(allowAny)]),
  }));
}

export function httpProxyRouteConfig(ctx: TranslateContext): RouteConfigPieces {
  return memo(ctx.snapshot, `rc|${HTTP_PROXY}|${outboundViewKey(ctx)}`, () => buildHttpProxyRouteConfig(ctx));
}

function buildHttpProxyRouteConfig(ctx: TranslateContext): RouteConfigPieces {
  const mesh = ctx.snapshot.virtualServices('mesh', ctx.proxy.namespace);
  const vhosts: VhostPiece[] = [];
  for (const svc of ctx.visibleServices()) {
    for (const sp of svc.ports) {
      if (isHttpProtocol(sp.protocol)) vhosts.push(serviceVirtualHost(ctx, svc, sp.port, mesh, true));
    }
  }
  return sharedRouteConfig(ctx, HTTP_PROXY, vhosts);
}

/** One Gateway server as route building needs it: its gateway key and hosts. */
export interface GatewayServerRef {
  key: string;
  hosts: string[];
  port: number;
  httpsRedirect: boolean;
}

/** Gateway servers of a router proxy on `port` with HTTP-family protocols, with their gateway keys. */
export function gatewayServers(ctx: TranslateContext, port?: number): GatewayServerRef[] {
  const out: GatewayServerRef[] = [];
  for (const gw of ctx.snapshot.gatewaysFor(ctx.proxy)) {
    const key = `${gw.metadata.namespace}/${gw.metadata.name}`;
    for (const server of gw.spec.servers ?? []) {
      const proto = (server.port.protocol ?? 'HTTP').toUpperCase();
      if (!['HTTP', 'HTTP2', 'GRPC'].includes(proto)) continue;
      // HTTP-family servers with TLS settings terminate TLS (Istio treats them as HTTPS): their own chain.
      if (server.tls?.mode !== undefined && server.tls.mode !== 'PASSTHROUGH') continue;
      if (port !== undefined && server.port.number !== port) continue;
      out.push({
        key,
        hosts: server.hosts,
        port: server.port.number,
        httpsRedirect: server.tls?.httpsRedirect === true,
      });
    }
  }
  return out;
}

/**
 * Istio's route config name of an HTTPS server (one per server, since each has its own filter chain):
 * `https.<port>.<port name>.<gateway name>.<gateway namespace>`.
 */
export function httpsGatewayRouteName(port: number, portName: string, gateway: string, namespace: string) {
  return `https.${port}.${portName}.${gateway}.${namespace}`;
}

/** The terminating HTTPS server a `https.…` route config name stands for, on this proxy. */
function httpsServerByRouteName(ctx: TranslateContext, name: string): GatewayServerRef | undefined {
  for (const gw of ctx.snapshot.gatewaysFor(ctx.proxy)) {
    for (const server of gw.spec.servers ?? []) {
      const n = httpsGatewayRouteName(
        server.port.number,
        server.port.name ?? '',
        gw.metadata.name,
        gw.metadata.namespace,
      );
      if (n !== name) continue;
      return {
        key: `${gw.metadata.namespace}/${gw.metadata.name}`,
        hosts: server.hosts,
        port: server.port.number,
        httpsRedirect: false,
      };
    }
  }
  return undefined;
}

/**
 * Whether a Gateway server host (`host` or `namespace/host`; namespace `*`, `.` = the gateway's own, or a
 * name) admits a VirtualService host from `vsNamespace`.
 */
export function serverHostMatches(
  serverHost: string,
  vsHost: string,
  vsNamespace: string,
  gatewayNamespace: string,
): boolean {
  const slash = serverHost.indexOf('/');
  const ns = slash < 0 ? '*' : serverHost.slice(0, slash);
  const host = slash < 0 ? serverHost : serverHost.slice(slash + 1);
  if (ns !== '*' && (ns === '.' ? gatewayNamespace : ns) !== vsNamespace) return false;
  return hostMatches(host, vsHost) || hostMatches(vsHost, host);
}

const HTTPS_REDIRECT = 'https_redirect';

function httpsRedirectRoute() {
  return create(RouteSchema, {
    name: HTTPS_REDIRECT,
    match: routeMatch(undefined),
    action: {
      case: 'redirect',
      value: create(RedirectActionSchema, { schemeRewriteSpecifier: { case: 'httpsRedirect', value: true } }),
    },
  });
}

export function gatewayRouteConfig(ctx: TranslateContext, port: number): RouteConfigPieces {
  return gatewayServersRouteConfig(ctx, gatewayRouteName(port), port, gatewayServers(ctx, port));
}

/** The route config of the listed servers of one port: the bound VirtualServices' hosts they admit. */
function gatewayServersRouteConfig(
  ctx: TranslateContext,
  name: string,
  port: number,
  servers: GatewayServerRef[],
): RouteConfigPieces {
  const byHost = new Map<string, VirtualHost>();
  for (const server of servers) {
    for (const vs of ctx.snapshot.virtualServices(server.key, ctx.proxy.namespace)) {
      const hosts = vs.resource.spec.hosts ?? [];
      const vsNs = vs.resource.metadata.namespace;
      const gwNs = server.key.slice(0, server.key.indexOf('/'));
      const matching = hosts.filter((h) => server.hosts.some((sh) => serverHostMatches(sh, h, vsNs, gwNs)));
      if (matching.length === 0) continue;
      const routes = virtualServiceRoutes(ctx, vs, server.key, port);
      for (const host of matching) {
        let vh = byHost.get(host);
        if (!vh) {
          vh = create(VirtualHostSchema, {
            name: virtualHostName(host, port),
            domains: host === '*' ? ['*'] : [host, `${host}:${port}`],
          });
          byHost.set(host, vh);
        }
        // tls.httpsRedirect: every request on this server is sent to https with a 301 (Istio writes
        // require_tls; a redirect route answers the same and is what the Trellis proxy implements).
        if (server.httpsRedirect) vh.routes = [httpsRedirectRoute()];
        else if (!vh.routes.some((r) => r.name === HTTPS_REDIRECT)) vh.routes.push(...routes);
      }
    }
  }
  const vhosts = [...byHost.values()];
  if (vhosts.length === 0) {
    vhosts.push(create(VirtualHostSchema, { name: `blackhole:${port}`, domains: ['*'] }));
  }
  return { name, virtualHosts: dedupeDomains(vhosts) };
}

/** Any route config name this proxy may ask for, as a message, or undefined for unknown names. */
export function routeConfigByName(ctx: TranslateContext, name: string): RouteConfiguration | undefined {
  const pieces = routeConfigPiecesByName(ctx, name);
  return pieces ? routeConfigMessage(pieces) : undefined;
}

export function routeConfigPiecesByName(ctx: TranslateContext, name: string): RouteConfigPieces | undefined {
  if (name === HTTP_PROXY) return httpProxyRouteConfig(ctx);
  if (name.startsWith('http.')) {
    const port = Number(name.slice(5));
    return Number.isInteger(port) ? gatewayRouteConfig(ctx, port) : undefined;
  }
  if (name.startsWith('https.')) {
    const server = httpsServerByRouteName(ctx, name);
    return server ? gatewayServersRouteConfig(ctx, name, server.port, [server]) : undefined;
  }
  const port = Number(name);
  if (Number.isInteger(port) && port > 0) return outboundRouteConfig(ctx, port);
  return undefined;
}
