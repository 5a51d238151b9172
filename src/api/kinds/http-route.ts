// Gateway API HTTPRoute and GRPCRoute (gateway.networking.k8s.io): matches, filters, weighted backends.
import { headerName } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, type Ctx, duration, enumOf, type Infer, int, obj, re2Error, str } from '../schema.js';
import {
  checkServicePort,
  GATEWAY_API,
  GATEWAY_API_VERSIONS,
  hostname,
  parentRef,
  routeFilter,
  sessionPersistence,
  weightedBackendFields,
} from './gateway-api-common.js';

function checkRegex(m: { type?: string; value?: string }, ctx: Ctx, path: string): void {
  if (m.type === 'RegularExpression' && m.value !== undefined) {
    const e = re2Error(m.value);
    if (e) ctx.error(`${path}.value`, `invalid RE2 regex ${JSON.stringify(m.value)}: ${e}`, 'regex');
  }
}

const valueMatch = () =>
  obj(
    {
      type: enumOf(['Exact', 'RegularExpression']).default('Exact'),
      name: str().required().check(headerName),
      value: str().required(),
    },
    { check: checkRegex },
  );

const pathMatch = () =>
  obj(
    {
      type: enumOf(['Exact', 'PathPrefix', 'RegularExpression']).default('PathPrefix'),
      value: str().default('/'),
    },
    {
      check: (m, ctx, path) => {
        if (m.type !== 'RegularExpression' && !m.value.startsWith('/')) {
          ctx.error(`${path}.value`, `a path must start with "/" (got "${m.value}")`, 'path');
        }
        checkRegex(m, ctx, path);
      },
    },
  );

const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;

const httpRouteMatch = () =>
  obj({
    /** Default: `{ type: PathPrefix, value: "/" }`. */
    path: pathMatch().default({ type: 'PathPrefix', value: '/' }),
    headers: arr(valueMatch()),
    queryParams: arr(valueMatch()),
    method: enumOf(HTTP_METHODS),
  });

const HTTP_FILTERS = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'RequestRedirect',
  'URLRewrite',
  'ExtensionRef',
  'CORS',
] as const;
const GRPC_FILTERS = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'ExtensionRef',
] as const;

function backendRef(filters: readonly (typeof HTTP_FILTERS)[number][]) {
  return obj({ ...weightedBackendFields(), filters: arr(routeFilter(filters)) }).check(checkServicePort);
}

const httpRouteRule = () =>
  obj({
    name: str(),
    /** No matches means one match of path prefix "/". */
    matches: arr(httpRouteMatch()),
    filters: arr(routeFilter(HTTP_FILTERS)),
    backendRefs: arr(backendRef(HTTP_FILTERS)),
    timeouts: obj({ request: duration(), backendRequest: duration() }),
    retry: obj({ codes: arr(int({ min: 400, max: 599 })), attempts: int({ min: 0 }), backoff: duration() }),
    sessionPersistence: sessionPersistence(),
  });

const routeCommon = () => ({
  parentRefs: arr(parentRef()),
  hostnames: arr(hostname()),
});

export const httpRouteSpec = obj({ ...routeCommon(), rules: arr(httpRouteRule()) });

const grpcRouteRule = () =>
  obj({
    name: str(),
    matches: arr(
      obj({
        method: obj(
          { type: enumOf(['Exact', 'RegularExpression']).default('Exact'), service: str(), method: str() },
          {
            check: (m, ctx, path) => {
              if (!m.service && !m.method)
                ctx.error(path, 'a method match needs service or method', 'required');
              for (const f of ['service', 'method'] as const) {
                const e = m.type === 'RegularExpression' && m[f] !== undefined ? re2Error(m[f]) : undefined;
                if (e) ctx.error(`${path}.${f}`, `invalid RE2 regex ${JSON.stringify(m[f])}: ${e}`, 'regex');
              }
            },
          },
        ),
        headers: arr(valueMatch()),
      }),
    ),
    filters: arr(routeFilter(GRPC_FILTERS)),
    backendRefs: arr(backendRef(GRPC_FILTERS)),
    sessionPersistence: sessionPersistence(),
  });

export const grpcRouteSpec = obj({ ...routeCommon(), rules: arr(grpcRouteRule()) });

export type HTTPRouteSpec = Infer<typeof httpRouteSpec>;
export type HTTPRouteRule = Infer<ReturnType<typeof httpRouteRule>>;
export type HTTPRouteMatch = Infer<ReturnType<typeof httpRouteMatch>>;
export type HTTPBackendRef = Infer<ReturnType<typeof backendRef>>;
export type GRPCRouteSpec = Infer<typeof grpcRouteSpec>;
export type GRPCRouteRule = Infer<ReturnType<typeof grpcRouteRule>>;
export type HTTPRouteResource = Resource<HTTPRouteSpec>;
export type GRPCRouteResource = Resource<GRPCRouteSpec>;

export const httpRouteKind = defineKind({
  kind: 'HTTPRoute',
  group: GATEWAY_API,
  versions: GATEWAY_API_VERSIONS,
  namespaced: true,
  spec: httpRouteSpec,
  description: 'Gateway API HTTP routing: path/header/query matches, filters and weighted backends',
});

export const grpcRouteKind = defineKind({
  kind: 'GRPCRoute',
  group: GATEWAY_API,
  versions: GATEWAY_API_VERSIONS,
  namespaced: true,
  spec: grpcRouteSpec,
  description: 'Gateway API gRPC routing: service/method matches and weighted backends',
});
