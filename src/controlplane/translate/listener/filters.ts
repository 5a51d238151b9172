// Network filters of generated listeners: the HTTP connection manager (RDS or inline routes; HTTP filters
// fault → cors → router, as Istio orders them) and the TCP proxy.
import { create } from '@bufbuild/protobuf';
import {
  type Filter,
  FilterSchema,
} from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import type { RouteConfiguration } from '../../../generated/envoy/config/route/v3/route_pb.js';
import { CorsSchema } from '../../../generated/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../../generated/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RouterSchema } from '../../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import {
  HttpConnectionManager_CodecType,
  HttpConnectionManagerSchema,
  HttpFilterSchema,
  RdsSchema,
} from '../../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import {
  type TcpProxy,
  TcpProxySchema,
} from '../../../generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { adsConfigSource, pack } from '../pb.js';
import { FAULT_FILTER } from '../route/fault.js';

export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';
export const CORS_FILTER = 'envoy.filters.http.cors';
export const ROUTER_FILTER = 'envoy.filters.http.router';

export interface HcmOptions {
  statPrefix: string;
  routes: { rds: string } | { inline: RouteConfiguration };
  /** Edge proxies (gateways) trust the peer address as the client address. */
  useRemoteAddress?: boolean;
}

export function httpConnectionManager(o: HcmOptions): Filter {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: o.statPrefix,
    codecType: HttpConnectionManager_CodecType.AUTO,
    httpFilters: [
      create(HttpFilterSchema, {
        name: FAULT_FILTER,
        configType: { case: 'typedConfig', value: pack(HTTPFaultSchema, create(HTTPFaultSchema, {})) },
      }),
      create(HttpFilterSchema, {
        name: CORS_FILTER,
        configType: { case: 'typedConfig', value: pack(CorsSchema, create(CorsSchema, {})) },
      }),
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
