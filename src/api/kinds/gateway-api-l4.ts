// Gateway API TLSRoute and TCPRoute (gateway.networking.k8s.io v1alpha2): routes for TLS and TCP listeners,
// by SNI hostnames (TLSRoute) or by listener alone (TCPRoute), to weighted backends.
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, type Infer, obj, str } from '../schema.js';
import {
  checkServicePort,
  GATEWAY_API,
  hostname,
  parentRef,
  weightedBackendFields,
} from './gateway-api-common.js';

/** TLSRoute and TCPRoute live in the experimental channel's alpha versions (newest first). */
export const TLS_ROUTE_VERSIONS = ['v1alpha3', 'v1alpha2'] as const;

/** A plain backendRef (no filters): a Service by default; port is required for a Service. */
export const l4BackendRef = () => obj(weightedBackendFields()).check(checkServicePort);

const l4Rule = () =>
  obj({
    name: str(),
    backendRefs: arr(l4BackendRef(), { minItems: 1 }).required(),
  });

export const tlsRouteSpec = obj({
  parentRefs: arr(parentRef()),
  /** SNI names the route matches; none means every name the listener accepts. */
  hostnames: arr(hostname()),
  rules: arr(l4Rule(), { minItems: 1 }).required(),
});

export const tcpRouteSpec = obj({
  parentRefs: arr(parentRef()),
  rules: arr(l4Rule(), { minItems: 1 }).required(),
});

export type L4BackendRef = Infer<ReturnType<typeof l4BackendRef>>;
export type TLSRouteSpec = Infer<typeof tlsRouteSpec>;
export type TCPRouteSpec = Infer<typeof tcpRouteSpec>;
export type TLSRouteResource = Resource<TLSRouteSpec>;
export type TCPRouteResource = Resource<TCPRouteSpec>;

export const tlsRouteKind = defineKind({
  kind: 'TLSRoute',
  group: GATEWAY_API,
  versions: TLS_ROUTE_VERSIONS,
  namespaced: true,
  spec: tlsRouteSpec,
  description: 'Gateway API TLS routing by SNI hostname to weighted backends (TLS passthrough listeners)',
});

export const tcpRouteKind = defineKind({
  kind: 'TCPRoute',
  group: GATEWAY_API,
  versions: ['v1alpha2'],
  namespaced: true,
  spec: tcpRouteSpec,
  description:
    'Gateway API TCP routing: every connection of a TCP (or TLS-terminating) listener to weighted backends',
});
