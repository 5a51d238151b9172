// Pieces shared by the Gateway API kinds (gateway.networking.k8s.io): references, filters, hostnames.
import { headerName, headerValue } from '../common.js';
import { hostError } from '../host.js';
import { anything, arr, type Ctx, enumOf, type Infer, int, map, obj, str } from '../schema.js';

export const GATEWAY_API = 'gateway.networking.k8s.io';
export const GATEWAY_API_VERSIONS = ['v1', 'v1beta1'] as const;

/** A Gateway API hostname: a DNS name or `*.`-prefixed wildcard; no IPs, no bare `*`. */
export const hostname = () =>
  str().check((v, ctx, path) => {
    const e =
      hostError(v, { ip: false }) ??
      (v === '*' ? 'the hostname "*" is not allowed; omit hostnames to match all' : undefined);
    if (e) ctx.error(path, e, 'host');
  });

export const parentRef = () =>
  obj({
    group: str(),
    kind: str(),
    namespace: str(),
    name: str({ nonEmpty: true }).required(),
    sectionName: str(),
    port: int({ min: 1, max: 65535 }),
  });

/** The fields of a BackendObjectReference: a Service by default; port is required for a Service. */
const backendObjectFields = () => ({
  group: str().default(''),
  kind: str().default('Service'),
  name: str({ nonEmpty: true }).required(),
  namespace: str(),
  port: int({ min: 1, max: 65535 }),
});

export const backendObjectRef = () => obj(backendObjectFields());

/** A route's backendRef fields: the object reference and its relative weight (default 1, 0 sends nothing). */
export const weightedBackendFields = () => ({
  ...backendObjectFields(),
  weight: int({ min: 0, max: 1_000_000 }).default(1),
});

export function checkServicePort(
  ref: { group?: string; kind?: string; port?: number },
  ctx: Ctx,
  path: string,
): void {
  if ((ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service' && ref.port === undefined) {
    ctx.error(`${path}.port`, 'a reference to a Service needs a port', 'required');
  }
}

/** Istio turns these into VirtualService header edits, so a value follows the same rule (no control characters). */
const headerEntry = () =>
  obj({ name: str().required().check(headerName), value: str().required().check(headerValue) });
export const headerModifier = () =>
  obj({ set: arr(headerEntry()), add: arr(headerEntry()), remove: arr(str().check(headerName)) });

const pathModifier = () =>
  obj(
    {
      type: enumOf(['ReplaceFullPath', 'ReplacePrefixMatch']).required(),
      replaceFullPath: str(),
      replacePrefixMatch: str(),
    },
    {
      check: (m, ctx, path) => {
        const want = m.type === 'ReplaceFullPath' ? 'replaceFullPath' : 'replacePrefixMatch';
        if (m[want] === undefined) ctx.error(`${path}.${want}`, `type ${m.type} needs ${want}`, 'required');
      },
    },
  );

const FILTER_FIELDS: Record<string, string> = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestMirror: 'requestMirror',
  RequestRedirect: 'requestRedirect',
  URLRewrite: 'urlRewrite',
  ExtensionRef: 'extensionRef',
  CORS: 'cors',
};

/** Route filters; `types` limits which ones a route kind accepts (GRPCRoute takes fewer). */
export function routeFilter(types: readonly (keyof typeof FILTER_FIELDS)[]) {
  return obj(
    {
      type: enumOf(types as readonly string[]).required(),
      requestHeaderModifier: headerModifier(),
      responseHeaderModifier: headerModifier(),
      requestMirror: obj({
        backendRef: backendObjectRef().required().check(checkServicePort),
        percent: int({ min: 0, max: 100 }),
        fraction: obj({ numerator: int({ min: 0 }).required(), denominator: int({ min: 1 }) }),
      }),
      requestRedirect: obj({
        scheme: enumOf(['http', 'https']),
        hostname: hostname(),
        path: pathModifier(),
        port: int({ min: 1, max: 65535 }),
        statusCode: int().check((v, ctx, path) => {
          if (v !== 301 && v !== 302) ctx.error(path, `must be 301 or 302 (got ${v})`, 'range');
        }),
      }),
      urlRewrite: obj({ hostname: hostname(), path: pathModifier() }),
      extensionRef: obj({
        group: str().required(),
        kind: str({ nonEmpty: true }).required(),
        name: str({ nonEmpty: true }).required(),
      }),
      cors: obj({
        allowOrigins: arr(str()),
        allowCredentials: anything('true or false'),
        allowMethods: arr(str()),
        allowHeaders: arr(str()),
        exposeHeaders: arr(str()),
        maxAge: int({ min: 0 }),
      }),
    },
    {
      check: (f, ctx, path) => {
        const want = FILTER_FIELDS[f.type];
        const record = f as Record<string, unknown>;
        if (record[want] === undefined)
          ctx.error(`${path}.${want}`, `a ${f.type} filter needs ${want}`, 'required');
        for (const field of Object.values(FILTER_FIELDS)) {
          if (field !== want && record[field] !== undefined) {
            ctx.error(`${path}.${field}`, `${field} does not belong to a ${f.type} filter`, 'filter');
          }
        }
      },
    },
  );
}

export const sessionPersistence = () =>
  obj({
    sessionName: str(),
    absoluteTimeout: str(),
    idleTimeout: str(),
    type: enumOf(['Cookie', 'Header']),
    cookieConfig: obj({ lifetimeType: enumOf(['Permanent', 'Session']) }),
  });

export const annotationsLike = () => map(str());

export type ParentReference = Infer<ReturnType<typeof parentRef>>;
export type BackendObjectReference = Infer<ReturnType<typeof backendObjectRef>>;
export type HeaderModifier = Infer<ReturnType<typeof headerModifier>>;
