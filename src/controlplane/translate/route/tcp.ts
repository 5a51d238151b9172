// VirtualService tcp and tls routes → the TCP proxy's target for one service port: the first tcp route whose match
// applies (port, sourceLabels, sourceNamespace, gateways), one cluster or weighted clusters; without one,
// the service's own cluster.
import { create } from '@bufbuild/protobuf';
import { hostMatches } from '../../../api/host.js';
import type { TCPRoute, TLSRoute } from '../../../api/index.js';
import { labelsMatch } from '../../../api/labels.js';
import {
  type TcpProxy,
  TcpProxy_WeightedCluster_ClusterWeightSchema,
  TcpProxy_WeightedClusterSchema,
} from '../../../generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { Service } from '../../model/service.js';
import type { IndexedVirtualService } from '../../model/snapshot.js';
import type { TranslateContext } from '../context.js';
import { outboundClusterName } from '../names.js';
import { virtualServiceFor } from './mesh-virtual-service.js';
import { routeBuild } from './virtual-host.js';

function tcpMatches(route: TCPRoute, ctx: TranslateContext, port: number): boolean {
  if (!route.match || route.match.length === 0) return true;
  return route.match.some(
    (m) =>
      (m.port === undefined || m.port === port) &&
      (!m.sourceLabels || labelsMatch(m.sourceLabels, ctx.proxy.labels)) &&
      (!m.sourceNamespace || m.sourceNamespace === ctx.proxy.namespace) &&
      (!m.gateways || m.gateways.length === 0 || m.gateways.includes('mesh')),
  );
}

function tlsMatches(route: TLSRoute, ctx: TranslateContext, port: number, host: string): boolean {
  return route.match.some(
    (m) =>
      m.sniHosts.some((h) => hostMatches(h, host) || hostMatches(host, h)) &&
      (m.port === undefined || m.port === port) &&
      (!m.sourceLabels || labelsMatch(m.sourceLabels, ctx.proxy.labels)) &&
      (!m.sourceNamespace || m.sourceNamespace === ctx.proxy.namespace) &&
      (!m.gateways || m.gateways.length === 0 || m.gateways.includes('mesh')),
  );
}

/** Sets the TCP proxy's cluster specifier for `service:port` as the caller's mesh VirtualService says. */
export function applyTcpRoute(tp: TcpProxy, ctx: TranslateContext, service: Service, port: number): void {
  const vs = virtualServiceFor(ctx.snapshot.virtualServices('mesh', ctx.proxy.namespace), service.hostname);
  applyRoute(
    tp,
    ctx,
    service,
    port,
    vs,
    vs?.resource.spec.tcp?.find((r) => tcpMatches(r, ctx, port)),
  );
}

/** TLS ports: the VirtualService `tls` route whose sniHosts cover the service host (passthrough, by SNI). */
export function applyTlsRoute(tp: TcpProxy, ctx: TranslateContext, service: Service, port: number): void {
  const vs = virtualServiceFor(ctx.snapshot.virtualServices('mesh', ctx.proxy.namespace), service.hostname);
  applyRoute(
    tp,
    ctx,
    service,
    port,
    vs,
    vs?.resource.spec.tls?.find((r) => tlsMatches(r, ctx, port, service.hostname)),
  );
}

function applyRoute(
  tp: TcpProxy,
  ctx: TranslateContext,
  service: Service,
  port: number,
  vs: IndexedVirtualService | undefined,
  route: TCPRoute | TLSRoute | undefined,
): void {
  if (!vs || !route?.route || route.route.length === 0) {
    tp.clusterSpecifier = { case: 'cluster', value: outboundClusterName(port, '', service.hostname) };
    return;
  }
  const build = routeBuild(ctx, 'mesh', port, vs.resource.metadata.namespace);
  const kept = route.route.length === 1 ? route.route : route.route.filter((d) => (d.weight ?? 0) > 0);
  if (kept.length === 1) {
    tp.clusterSpecifier = { case: 'cluster', value: build.clusterOf(kept[0].destination) };
    return;
  }
  tp.clusterSpecifier = {
    case: 'weightedClusters',
    value: create(TcpProxy_WeightedClusterSchema, {
      clusters: kept.map((d) =>
        create(TcpProxy_WeightedCluster_ClusterWeightSchema, {
          name: build.clusterOf(d.destination),
          weight: d.weight ?? 0,
        }),
      ),
    }),
  };
}
