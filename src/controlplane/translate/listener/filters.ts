// Network filters of generated listeners: the HTTP connection manager (RDS or inline routes; HTTP filters
// [istio.metadata_exchange →] fault → cors → [istio.stats →] router, as Istio orders them), the TCP proxy
// ([istio.stats →] tcp_proxy), and the tls_inspector listener filter.
import { create, fromJson } from '@bufbuild/protobuf';
import { type Any, anyPack, StructSchema } from '@bufbuild/protobuf/wkt';
import {
  type Filter,
  FilterSchema,
  type ListenerFilter,
  ListenerFilterSchema,
} from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import type { RouteConfiguration } from '../../../generated/envoy/config/route/v3/route_pb.js';
import { CorsSchema } from '../../../generated/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../../generated/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RouterSchema } from '../../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import { TlsInspectorSchema } from '../../../generated/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import {
  HttpConnectionManager_CodecType,
  HttpConnectionManager_ForwardClientCertDetails,
  HttpConnectionManager_SetCurrentClientCertDetailsSchema,
  HttpConnectionManagerSchema,
  HttpFilterSchema,
  RdsSchema,
} from '../../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import {
  type TcpProxy,
  TcpProxySchema,
} from '../../../generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import {
  ISTIO_STATS_FILTER_NAME,
  PluginConfigSchema,
} from '../../../proxy/filters/http/istio-stats/plugin-config.js';
import { adsConfigSource, pack } from '../pb.js';
import { FAULT_FILTER } from '../route/fault.js';

export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';
export const CORS_FILTER = 'envoy.filters.http.cors';
export const ROUTER_FILTER = 'envoy.filters.http.router';
export const METADATA_EXCHANGE_FILTER = 'istio.metadata_exchange';
export const TLS_INSPECTOR = 'envoy.filters.listener.tls_inspector';

/** Whether sidecar HTTP connection managers get Istio's `istio.metadata_exchange` filter (peer labels in headers). */
export const EMIT_METADATA_EXCHANGE = true;

/** Istio's listener classes, as its stats filter config tells them apart. */
export type ListenerClass = 'inbound' | 'outbound' | 'gateway';

/**
 * Istio's `istio.stats` config (stats.PluginConfig) for a listener class: with the default Telemetry, only
 * whether the Host header may stand in for an unknown destination service — not inbound nor at gateways,
 * where it comes from outside the mesh.
 */
export function istioStatsConfig(listenerClass: ListenerClass): Any {
  return anyPack(
    PluginConfigSchema,
    create(PluginConfigSchema, { disableHostHeaderFallback: listenerClass !== 'outbound' }),
  );
}

/** The `istio.stats` HTTP filter: Istio's standard request metrics (istio_requests_total, …). */
export function istioStatsHttpFilter(listenerClass: ListenerClass) {
  return create(HttpFilterSchema, {
    name: ISTIO_STATS_FILTER_NAME,
    configType: { case: 'typedConfig', value: istioStatsConfig(listenerClass) },
  });
}

/** The `istio.stats` network filter that goes before a tcp_proxy: Istio's TCP metrics. */
export function istioStatsNetworkFilter(listenerClass: ListenerClass): Filter {
  return create(FilterSchema, {
    name: ISTIO_STATS_FILTER_NAME,
    configType: { case: 'typedConfig', value: istioStatsConfig(listenerClass) },
  });
}

export interface HcmOptions {
  statPrefix: string;
  routes: { rds: string } | { inline: RouteConfiguration };
  /** Edge proxies (gateways) trust the peer address as the client address. */
  useRemoteAddress?: boolean;
  /** Sidecar HCMs: which side of the peer metadata exchange this one is. */
  metadataExchange?: 'inbound' | 'outbound';
  /** Overrides EMIT_METADATA_EXCHANGE (tests). */
  emitMetadataExchange?: boolean;
  /**
   * Istio's stats filter for this listener class; by default sidecars' (from metadataExchange) and
   * gateways' (useRemoteAddress); false leaves it out.
   */
  istioStats?: ListenerClass | false;
}

/**
 * `istio.metadata_exchange` with its config as a google.protobuf.Struct: inbound discovers and propagates the
 * downstream peer's metadata through Istio's headers, outbound the upstream peer's.
 */
export function metadataExchangeFilter(direction: 'inbound' | 'outbound') {
  const side = direction === 'inbound' ? 'downstream' : 'upstream';
  const config = fromJson(StructSchema, {
    [`${side}_discovery`]: [{ istio_headers: {} }],
    [`${side}_propagation`]: [{ istio_headers: {} }],
  });
  return create(HttpFilterSchema, {
    name: METADATA_EXCHANGE_FILTER,
    configType: { case: 'typedConfig', value: pack(StructSchema, config) },
  });
}

export function httpConnectionManager(o: HcmOptions): Filter {
  const exchange =
    o.metadataExchange !== undefined && (o.emitMetadataExchange ?? EMIT_METADATA_EXCHANGE)
      ? [metadataExchangeFilter(o.metadataExchange)]
      : [];
  const statsClass = o.istioStats ?? o.metadataExchange ?? (o.useRemoteAddress ? 'gateway' : false);
  const stats = statsClass === false ? [] : [istioStatsHttpFilter(statsClass)];
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: o.statPrefix,
    codecType: HttpConnectionManager_CodecType.AUTO,
    httpFilters: [
      ...exchange,
      create(HttpFilterSchema, {
        name: FAULT_FILTER,
        configType: { case: 'typedConfig', value: pack(HTTPFaultSchema, create(HTTPFaultSchema, {})) },
      }),
      create(HttpFilterSchema, {
        name: CORS_FILTER,
        configType: { case: 'typedConfig', value: pack(CorsSchema, create(CorsSchema, {})) },
      }),
      ...stats,
      create(HttpFilterSchema, {
        name: ROUTER_FILTER,
        configType: { case: 'typedConfig', value: pack(RouterSchema, create(RouterSchema, {})) },
      }),
    ],
  });
  if ('rds' in o.routes) {
    hcm.routeSpecifier = {
      case: 'rds',
      value: create(RdsSchema, { configSource: adsConfigSource(), routeConfigName: o.routes.rds }),
    };
  } else {
    hcm.routeSpecifier = { case: 'routeConfig', value: o.routes.inline };
  }
  if (o.useRemoteAddress) hcm.useRemoteAddress = true;
  if (o.metadataExchange === 'inbound') {
    // Istio's inbound: the app sees who called in x-forwarded-client-cert (By, Hash, Subject, URI, DNS).
    hcm.forwardClientCertDetails = HttpConnectionManager_ForwardClientCertDetails.APPEND_FORWARD;
    hcm.setCurrentClientCertDetails = create(HttpConnectionManager_SetCurrentClientCertDetailsSchema, {
      subject: true,
      dns: true,
      uri: true,
    });
  }
  return create(FilterSchema, {
    name: HCM_FILTER,
    configType: { case: 'typedConfig', value: pack(HttpConnectionManagerSchema, hcm) },
  });
}

/** A TCP proxy to `cluster`; `configure` may replace the target (VirtualService tcp routes). */
export function tcpProxy(statPrefix: string, cluster: string, configure?: (tp: TcpProxy) => void): Filter {
  const tp = create(TcpProxySchema, { statPrefix, clusterSpecifier: { case: 'cluster', value: cluster } });
  configure?.(tp);
  return create(FilterSchema, {
    name: TCP_PROXY_FILTER,
    configType: { case: 'typedConfig', value: pack(TcpProxySchema, tp) },
  });
}

/** `istio.stats` then the TCP proxy, as Istio's sidecars run TCP traffic of `listenerClass`. */
export function tcpProxyFilters(
  listenerClass: ListenerClass,
  statPrefix: string,
  cluster: string,
  configure?: (tp: TcpProxy) => void,
): Filter[] {
  return [istioStatsNetworkFilter(listenerClass), tcpProxy(statPrefix, cluster, configure)];
}

/** Envoy's tls_inspector: reads the ClientHello so chains can match on TLS vs plain text, SNI and ALPN. */
export function tlsInspector(): ListenerFilter {
  return create(ListenerFilterSchema, {
    name: TLS_INSPECTOR,
    configType: { case: 'typedConfig', value: pack(TlsInspectorSchema, create(TlsInspectorSchema, {})) },
  });
}
