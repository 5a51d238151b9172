// LDS for proxyless gRPC: one Listener per requested `host:port` name, named exactly as requested, whose
// ApiListener is an HTTP connection manager with the filters gRPC implements (fault, then router) and RDS
// pointing at the service port's route config `outbound|<port>||<fqdn>`.
import { create } from '@bufbuild/protobuf';
import { ApiListenerSchema } from '../../generated/envoy/config/listener/v3/api_listener_pb.js';
import { type Listener, ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { HTTPFaultSchema } from '../../generated/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RouterSchema } from '../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import {
  HttpConnectionManagerSchema,
  HttpFilterSchema,
  RdsSchema,
} from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { TranslateContext } from '../translate/context.js';
import { ROUTER_FILTER } from '../translate/listener/filters.js';
import { adsConfigSource, pack, socketAddress } from '../translate/pb.js';
import { FAULT_FILTER } from '../translate/route/fault.js';
import { grpcInboundListener, isInboundListenerName } from './inbound.js';
import { resolveListenerName, serviceKey } from './names.js';

/**
 * gRPC rejects an HCM whose filters it does not know (CORS, metadata exchange…) and requires the router
 * last; the fault filter is what makes VirtualService fault injection work in the client.
 */
function grpcHttpFilters() {
  return [
    create(HttpFilterSchema, {
      name: FAULT_FILTER,
      configType: { case: 'typedConfig', value: pack(HTTPFaultSchema, create(HTTPFaultSchema, {})) },
    }),
    create(HttpFilterSchema, {
      name: ROUTER_FILTER,
      configType: { case: 'typedConfig', value: pack(RouterSchema, create(RouterSchema, {})) },
    }),
  ];
}

/** The listener for one requested name, or undefined when it names no visible service port. */
export function grpcListener(ctx: TranslateContext, name: string): Listener | undefined {
  const target = resolveListenerName(ctx, name);
  if (!target) return undefined;
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: name,
    httpFilters: grpcHttpFilters(),
    routeSpecifier: {
      case: 'rds',
      value: create(RdsSchema, {
        configSource: adsConfigSource(),
        routeConfigName: serviceKey(target.service, target.port),
      }),
    },
  });
  return create(ListenerSchema, {
    name,
    // Informational for gRPC (it never binds outbound listeners): the service's address and port.
    address: socketAddress(target.service.addresses[0] ?? '0.0.0.0', target.port),
    apiListener: create(ApiListenerSchema, { apiListener: pack(HttpConnectionManagerSchema, hcm) }),
  });
}

/**
 * Listeners for the requested names: client targets (`host:port`) and server listeners
 * (`xds.istio.io/grpc/lds/inbound/ip:port`). gRPC never subscribes to every listener: no names = none.
 */
export function grpcListeners(ctx: TranslateContext, names: readonly string[] | undefined): Listener[] {
  return [...new Set(names ?? [])].flatMap(
    (n) => (isInboundListenerName(n) ? grpcInboundListener(ctx, n) : grpcListener(ctx, n)) ?? [],
  );
}
