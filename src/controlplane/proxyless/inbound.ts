// LDS for proxyless gRPC servers (grpc-js-xds XdsServer, grpc-go xds.NewGRPCServer): a server asks for
// `xds.istio.io/grpc/lds/inbound/<ip>:<port>` (Istio's server listener name template) and serves only once
// it has it. The listener carries that exact address (gRPC checks it against the bound one) and one filter
// chain whose HCM has the router alone and an inline route config that accepts every call (non-forwarding:
// the server handles it itself). The chain is mTLS when the workload's PeerAuthentication is STRICT for the
// port, else plain text: gRPC's filter chain match cannot tell TLS from plain text, so PERMISSIVE serves
// plain text — unless the workload carries `security.istio.io/tlsMode: istio`, whose clients use mTLS
// (Istio's rule).
import { create } from '@bufbuild/protobuf';
import {
  FilterChainSchema,
  FilterSchema,
} from '../../generated/envoy/config/listener/v3/listener_components_pb.js';
import { type Listener, ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import {
  NonForwardingActionSchema,
  RouteSchema,
  VirtualHostSchema,
} from '../../generated/envoy/config/route/v3/route_components_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import {
  HttpConnectionManagerSchema,
  HttpFilterSchema,
} from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { TranslateContext } from '../translate/context.js';
import { HCM_FILTER, ROUTER_FILTER } from '../translate/listener/filters.js';
import { pack, socketAddress } from '../translate/pb.js';
import { routeMatch } from '../translate/route/match.js';
import { effectiveMtls, portMode } from '../translate/security/peer-authn.js';
import { splitHostPort } from './names.js';
import { grpcDownstreamMtls } from './tls.js';

/** The label by which a workload says its clients talk Istio mTLS to it. */
const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/** Whether the server's port takes mTLS only (true) or plain text only (false). */
function serverMtls(ctx: TranslateContext, port: number): boolean {
  const proxy = ctx.proxy;
  const mode = portMode(effectiveMtls(ctx.snapshot, proxy.namespace, proxy.labels), port);
  if (mode === 'STRICT') return true;
  return mode === 'PERMISSIVE' && proxy.labels[TLS_MODE_LABEL] === 'istio';
}

/** Istio's prefix of gRPC server listener names (its bootstrap's server_listener_resource_name_template). */
export const INBOUND_LISTENER_PREFIX = 'xds.istio.io/grpc/lds/inbound/';

export function isInboundListenerName(name: string): boolean {
  return name.startsWith(INBOUND_LISTENER_PREFIX);
}

/** The server listener for `xds.istio.io/grpc/lds/inbound/<ip>:<port>`, or undefined for a malformed name. */
export function grpcInboundListener(ctx: TranslateContext, name: string): Listener | undefined {
  const target = splitHostPort(name.slice(INBOUND_LISTENER_PREFIX.length));
  if (target?.port === undefined) return undefined;
  const mtls = serverMtls(ctx, target.port);
  const routeConfig = create(RouteConfigurationSchema, {
    name: 'inbound',
    virtualHosts: [
      create(VirtualHostSchema, {
        name: `inbound|grpc|${target.port}`,
        domains: ['*'],
        routes: [
          create(RouteSchema, {
            match: routeMatch(undefined),
            action: { case: 'nonForwardingAction', value: create(NonForwardingActionSchema, {}) },
          }),
        ],
      }),
    ],
  });
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: `inbound_${target.port}`,
    // gRPC servers run no client filters (fault is client-side): the router alone.
    httpFilters: [
      create(HttpFilterSchema, {
        name: ROUTER_FILTER,
        configType: { case: 'typedConfig', value: pack(RouterSchema, create(RouterSchema, {})) },
      }),
    ],
    routeSpecifier: { case: 'routeConfig', value: routeConfig },
  });
  return create(ListenerSchema, {
    name,
    address: socketAddress(target.host, target.port),
    filterChains: [
      create(FilterChainSchema, {
        ...(mtls
          ? { name: 'inbound-mtls', transportSocket: grpcDownstreamMtls() }
          : { name: 'inbound-plaintext' }),
        filters: [
          create(FilterSchema, {
            name: HCM_FILTER,
            configType: { case: 'typedConfig', value: pack(HttpConnectionManagerSchema, hcm) },
          }),
        ],
      }),
    ],
  });
}
