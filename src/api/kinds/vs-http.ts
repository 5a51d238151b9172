// VirtualService HTTP routes (networking.istio.io HTTPRoute and its parts): match, route, retries, fault, mirror, CORS.
import { headerName, headerValue, host, labelMap, percent, portSelector, stringMatch } from '../common.js';
import { joinPath } from '../path.js';
import { arr, bool, type Ctx, duration, enumOf, type Infer, int, map, obj, regex, str } from '../schema.js';

/** A StringMatch that may be empty: in header and query matches `{}` means "present with any value". */
const presenceMatch = () =>
  obj({ exact: str(), prefix: str(), regex: regex() }, { atMostOne: [['exact', 'prefix', 'regex']] });

const SUBSET = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const destination = () =>
  obj({
    host: host({ wildcard: true })
      .required()
      .check((v, ctx, path) => {
        if (v === '*') ctx.error(path, 'a destination host cannot be "*"', 'host');
      }),
    subset: str().check((v, ctx, path) => {
      if (!SUBSET.test(v)) ctx.error(path, `invalid subset name "${v}"`, 'subset');
    }),
    port: portSelector(),
  });

/**
 * Istio's header-edit names: pseudo-headers cannot be edited, except that a request set/add may name `host` or
 * `:authority` (it becomes the host rewrite); removing `host` or editing it on a response is refused.
 */
function checkEditedHeader(name: string, authorityAllowed: boolean, ctx: Ctx, path: string): void {
  const lower = name.toLowerCase();
  const authority = lower === 'host' || lower === ':authority';
  if (authority && authorityAllowed) return;
  if (lower === 'host') ctx.error(path, `invalid header "${name}": cannot set Host header`, 'header');
  else if (name.startsWith(':'))
    ctx.error(path, `invalid header "${name}": header cannot have ":" prefix`, 'header');
  else headerName(name, ctx, path);
}

export const headerOperations = (side: 'request' | 'response') =>
  obj({ set: map(str()), add: map(str()), remove: arr(str()) }).check((v, ctx, path) => {
    for (const op of ['set', 'add'] as const) {
      for (const [name, value] of Object.entries(v[op] ?? {})) {
        const at = joinPath(joinPath(path, op), name);
        checkEditedHeader(name, side === 'request', ctx, at);
        headerValue(value, ctx, at);
      }
    }
    (v.remove ?? []).forEach((name, i) => {
      checkEditedHeader(name, false, ctx, joinPath(joinPath(path, 'remove'), i));
    });
  });
export const headers = () =>
  obj({ request: headerOperations('request'), response: headerOperations('response') });

export const httpRouteDestination = () =>
  obj({ destination: destination().required(), weight: int({ min: 0 }), headers: headers() });

/** Weighted destinations: with more than one, the weights must add up to 100 (Trellis is stricter than Istio). */
export function checkWeights(route: Array<{ weight?: number }>, ctx: Ctx, path: string): void {
  if (route.length < 2) return;
  const total = route.reduce((sum, d) => sum + (d.weight ?? 0), 0);
  if (total === 100) return;
  let last = route.length - 1;
  while (last > 0 && route[last].weight === undefined) last--;
  const at = route[last].weight === undefined ? path : joinPath(joinPath(path, last), 'weight');
  ctx.error(at, `weights of a route must add up to 100 (got ${total})`, 'weight');
}

export const httpMatchRequest = () =>
  obj({
    name: str(),
    uri: stringMatch(),
    scheme: stringMatch(),
    method: stringMatch(),
    authority: stringMatch(),
    headers: map(presenceMatch()),
    port: int({ min: 1, max: 65535 }),
    sourceLabels: labelMap(),
    gateways: arr(str({ nonEmpty: true })),
    queryParams: map(presenceMatch()),
    ignoreUriCase: bool(),
    withoutHeaders: map(presenceMatch()),
    sourceNamespace: str(),
    statPrefix: str(),
  });

/** Envoy's retry_on conditions (HTTP and gRPC); a bare status code such as "503" is accepted too. */
export const RETRY_ON = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;

export const httpRetry = () =>
  obj({
    attempts: int({ min: 0 }),
    perTryTimeout: duration({ minMs: 1 }),
    retryOn: str().check((v, ctx, path) => {
      for (const part of v.split(',').map((s) => s.trim())) {
        if (part === '' || /^\d{3}$/.test(part) || (RETRY_ON as readonly string[]).includes(part)) continue;
        ctx.error(
          path,
          `unknown retry condition "${part}" (use ${RETRY_ON.join(', ')} or a status code)`,
          'retry-on',
        );
      }
    }),
    retryRemoteLocalities: bool(),
    retryIgnorePreviousHosts: bool(),
    backoff: duration({ minMs: 1 }),
  });

export const httpFaultInjection = () =>
  obj(
    {
      delay: obj(
        {
          fixedDelay: duration({ minMs: 1 }),
          exponentialDelay: duration({ minMs: 1 }),
          percentage: percent(),
          percent: int({ min: 0, max: 100 }).deprecated('use percentage.value'),
        },
        { exactlyOne: [['fixedDelay', 'exponentialDelay']], atMostOne: [['percentage', 'percent']] },
      ),
      abort: obj(
        {
          httpStatus: int({ min: 200, max: 599 }),
          grpcStatus: str(),
          http2Error: str(),
          percentage: percent(),
        },
        { exactlyOne: [['httpStatus', 'grpcStatus', 'http2Error']] },
      ),
    },
    {
      check: (f, ctx, path) => {
        if (!f.delay && !f.abort) ctx.error(path, 'a fault needs a delay or an abort', 'fault');
      },
    },
  );

export const corsPolicy = () =>
  obj({
    allowOrigins: arr(stringMatch()),
    allowOrigin: arr(str()).deprecated('use allowOrigins'),
    allowMethods: arr(str()),
    allowHeaders: arr(str()),
    exposeHeaders: arr(str()),
    maxAge: duration(),
    allowCredentials: bool(),
    unmatchedPreflights: enumOf(['UNSPECIFIED', 'FORWARD', 'IGNORE']),
  });

export const httpRedirect = () =>
  obj(
    {
      uri: str(),
      authority: str(),
      port: int({ min: 1, max: 65535 }),
      derivePort: enumOf(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']),
      scheme: str(),
      redirectCode: int().check((v, ctx, path) => {
        if (![301, 302, 303, 307, 308].includes(v))
          ctx.error(path, `must be 301, 302, 303, 307 or 308 (got ${v})`, 'range');
      }),
    },
    { atMostOne: [['port', 'derivePort']] },
  );

export const httpRewrite = () =>
  obj(
    {
      uri: str(),
      authority: str(),
      uriRegexRewrite: obj({ match: regex().required(), rewrite: str().required() }),
    },
    { atMostOne: [['uri', 'uriRegexRewrite']] },
  );

export const httpRoute = () =>
  obj(
    {
      name: str(),
      match: arr(httpMatchRequest()),
      route: arr(httpRouteDestination(), { minItems: 1 }).check(checkWeights),
      redirect: httpRedirect(),
      directResponse: obj({
        status: int({ min: 200, max: 599 }).required(),
        body: obj({ string: str(), bytes: str() }, { atMostOne: [['string', 'bytes']] }),
      }),
      delegate: obj({ name: str({ nonEmpty: true }).required(), namespace: str() }),
      rewrite: httpRewrite(),
      timeout: duration(),
      retries: httpRetry(),
      fault: httpFaultInjection(),
      mirror: destination(),
      mirrors: arr(obj({ destination: destination().required(), percentage: percent() })),
      mirrorPercentage: percent(),
      mirrorPercent: int({ min: 0, max: 100 }).deprecated('use mirrorPercentage'),
      corsPolicy: corsPolicy(),
      headers: headers(),
    },
    {
      exactlyOne: [['route', 'redirect', 'directResponse', 'delegate']],
      atMostOne: [
        ['mirror', 'mirrors'],
        ['mirrorPercentage', 'mirrorPercent'],
        ['redirect', 'rewrite'],
      ],
    },
  );

export type StringMatch = Infer<ReturnType<typeof stringMatch>>;
export type Destination = Infer<ReturnType<typeof destination>>;
export type Headers = Infer<ReturnType<typeof headers>>;
export type HTTPRouteDestination = Infer<ReturnType<typeof httpRouteDestination>>;
export type HTTPMatchRequest = Infer<ReturnType<typeof httpMatchRequest>>;
export type HTTPRetry = Infer<ReturnType<typeof httpRetry>>;
export type HTTPFaultInjection = Infer<ReturnType<typeof httpFaultInjection>>;
export type CorsPolicy = Infer<ReturnType<typeof corsPolicy>>;
export type HTTPRedirect = Infer<ReturnType<typeof httpRedirect>>;
export type HTTPRewrite = Infer<ReturnType<typeof httpRewrite>>;
/** One entry of a VirtualService's `http` list (Istio's HTTPRoute; not the Gateway API kind). */
export type HTTPRoute = Infer<ReturnType<typeof httpRoute>>;
