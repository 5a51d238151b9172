// Decodes Envoy's RouteAction (forwarding: clusters, rewrites, timeouts, retries, mirrors, hashing, CORS),
// RedirectAction and DirectResponseAction into the router's RouteAction, with Envoy's defaults.
import { childPath } from '../../common/result.js';
import {
  type CorsPolicy,
  CorsPolicySchema,
  type DirectResponseAction,
  DirectResponseActionSchema,
  type RedirectAction,
  RedirectActionSchema,
  type RetryPolicy,
  RetryPolicy_RetryBackOffSchema,
  RetryPolicy_RetryHostPredicateSchema,
  RetryPolicySchema,
  type RouteAction,
  RouteAction_HashPolicy_ConnectionPropertiesSchema,
  RouteAction_HashPolicy_CookieSchema,
  RouteAction_HashPolicy_HeaderSchema,
  RouteAction_HashPolicy_QueryParameterSchema,
  RouteAction_HashPolicySchema,
  RouteAction_MaxStreamDurationSchema,
  RouteAction_RequestMirrorPolicySchema,
  RouteAction_UpgradeConfigSchema,
  RouteActionSchema,
  WeightedCluster_ClusterWeightSchema,
  WeightedClusterSchema,
} from '../../generated/envoy/config/route/v3/route_components_pb.js';
import type {
  CorsPolicy as DomainCorsPolicy,
  RetryPolicy as DomainRetryPolicy,
  RouteAction as DomainRouteAction,
  ForwardAction,
  HashPolicy,
  MirrorPolicy,
  WeightedCluster,
} from '../config/route.js';
import {
  decodeDataSource,
  decodeHeaderOps,
  decodeRegexRewrite,
  decodeRuntimeFraction,
  decodeStringMatcher,
} from './decode-common.js';
import { type DecodeContext, durationMs, NOT_SUPPORTED, optionalDurationMs } from './decode-context.js';
import { decodeHeaderMatcher } from './decode-route-match.js';

/** Envoy's route timeout when none is set (ms). */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;
/** Envoy's retry back-off base interval (ms); the maximum defaults to 10 × base. */
export const DEFAULT_RETRY_BACKOFF_BASE_MS = 25;

const PREVIOUS_HOSTS = 'envoy.retry_host_predicates.previous_hosts';
const PREVIOUS_HOSTS_TYPE = 'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

export function decodeRetryPolicy(ctx: DecodeContext, r: RetryPolicy, path: string): DomainRetryPolicy {
  ctx.onlyFields(RetryPolicySchema, r, path, [
    'retry_on',
    'num_retries',
    'per_try_timeout',
    'per_try_idle_timeout',
    'retry_host_predicate',
    'host_selection_retry_max_attempts',
    'retriable_status_codes',
    'retry_back_off',
    'retriable_headers',
    'retriable_request_headers',
  ]);
  let avoidPreviousHosts = false;
  r.retryHostPredicate.forEach((p, i) => {
    const pp = childPath(childPath(path, 'retry_host_predicate'), i);
    ctx.onlyFields(RetryPolicy_RetryHostPredicateSchema, p, pp, ['name', 'typed_config']);
    const typeUrl = p.configType.case === 'typedConfig' ? p.configType.value.typeUrl : '';
    if (p.name === PREVIOUS_HOSTS || typeUrl.endsWith(`/${PREVIOUS_HOSTS_TYPE}`)) avoidPreviousHosts = true;
    else ctx.error(childPath(pp, 'name'), `retry host predicate ${p.name || typeUrl} ${NOT_SUPPORTED}`);
  });
  let backoffBaseMs = DEFAULT_RETRY_BACKOFF_BASE_MS;
  let backoffMaxMs: number | undefined;
  if (r.retryBackOff !== undefined) {
    const bp = childPath(path, 'retry_back_off');
    ctx.onlyFields(RetryPolicy_RetryBackOffSchema, r.retryBackOff, bp, ['base_interval', 'max_interval']);
    if (r.retryBackOff.baseInterval === undefined) ctx.error(childPath(bp, 'base_interval'), 'required');
    backoffBaseMs = durationMs(r.retryBackOff.baseInterval, DEFAULT_RETRY_BACKOFF_BASE_MS);
    if (backoffBaseMs <= 0) ctx.error(childPath(bp, 'base_interval'), 'must be at least 1ms');
    backoffMaxMs = optionalDurationMs(r.retryBackOff.maxInterval);
    if (backoffMaxMs !== undefined && backoffMaxMs < backoffBaseMs) {
      ctx.error(childPath(bp, 'max_interval'), 'must not be less than base_interval');
    }
  }
  const retryOn = r.retryOn
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return {
    retryOn,
    numRetries: r.numRetries ?? 1,
    perTryTimeoutMs: durationMs(r.perTryTimeout, 0),
    perTryIdleTimeoutMs: durationMs(r.perTryIdleTimeout, 0),
    retriableStatusCodes: [...r.retriableStatusCodes],
    retriableHeaders: r.retriableHeaders.map((h, i) =>
      decodeHeaderMatcher(ctx, h, childPath(childPath(path, 'retriable_headers'), i)),
    ),
    retriableRequestHeaders: r.retriableRequestHeaders.map((h, i) =>
      decodeHeaderMatcher(ctx, h, childPath(childPath(path, 'retriable_request_headers'), i)),
    ),
    backoffBaseMs,
    backoffMaxMs: backoffMaxMs ?? backoffBaseMs * 10,
    avoidPreviousHosts,
    hostSelectionRetryMaxAttempts: Number(r.hostSelectionRetryMaxAttempts || 1n),
  };
}

export function decodeCorsPolicy(ctx: DecodeContext, c: CorsPolicy, path: string): DomainCorsPolicy {
  ctx.onlyFields(CorsPolicySchema, c, path, [
    'allow_origin_string_match',
    'allow_methods',
    'allow_headers',
    'expose_headers',
    'max_age',
    'allow_credentials',
    'filter_enabled',
  ]);
  if (c.enabledSpecifier.case === 'filterEnabled') {
    const fraction = decodeRuntimeFraction(ctx, c.enabledSpecifier.value, childPath(path, 'filter_enabled'));
    if (fraction !== 1) ctx.error(childPath(path, 'filter_enabled'), `a partial fraction ${NOT_SUPPORTED}`);
  }
  const policy: DomainCorsPolicy = {
    allowOrigins: c.allowOriginStringMatch.map((m, i) =>
      decodeStringMatcher(ctx, m, childPath(childPath(path, 'allow_origin_string_match'), i)),
    ),
    allowMethods: c.allowMethods,
    allowHeaders: c.allowHeaders,
    exposeHeaders: c.exposeHeaders,
    maxAge: c.maxAge,
  };
  if (c.allowCredentials !== undefined) policy.allowCredentials = c.allowCredentials;
  return policy;
}

function decodeHashPolicies(ctx: DecodeContext, a: RouteAction, path: string): HashPolicy[] {
  return a.hashPolicy.map((h, i): HashPolicy => {
    const p = childPath(childPath(path, 'hash_policy'), i);
    ctx.onlyFields(RouteAction_HashPolicySchema, h, p, [
      'header',
      'cookie',
      'connection_properties',
      'query_parameter',
      'terminal',
    ]);
    const terminal = h.terminal;
    const spec = h.policySpecifier;
    switch (spec.case) {
      case 'header':
        ctx.onlyFields(RouteAction_HashPolicy_HeaderSchema, spec.value, childPath(p, 'header'), [
          'header_name',
        ]);
        return { kind: 'header', name: spec.value.headerName.toLowerCase(), terminal };
      case 'cookie': {
        const cp = childPath(p, 'cookie');
        ctx.onlyFields(RouteAction_HashPolicy_CookieSchema, spec.value, cp, ['name', 'ttl', 'path']);
        const cookie: HashPolicy = { kind: 'cookie', name: spec.value.name, terminal };
        const ttlMs = optionalDurationMs(spec.value.ttl);
        if (ttlMs !== undefined) cookie.ttlMs = ttlMs;
        if (spec.value.path !== '') cookie.path = spec.value.path;
        return cookie;
      }
      case 'connectionProperties':
        ctx.onlyFields(
          RouteAction_HashPolicy_ConnectionPropertiesSchema,
          spec.value,
          childPath(p, 'connection_properties'),
          ['source_ip'],
        );
        if (!spec.value.sourceIp) ctx.error(childPath(p, 'connection_properties.source_ip'), 'must be true');
        return { kind: 'sourceIp', terminal };
      case 'queryParameter':
        ctx.onlyFields(
          RouteAction_HashPolicy_QueryParameterSchema,
          spec.value,
          childPath(p, 'query_parameter'),
          ['name'],
        );
        return { kind: 'queryParameter', name: spec.value.name, terminal };
      default:
        ctx.error(p, 'one of header, cookie, connection_properties or query_parameter is required');
        return { kind: 'sourceIp', terminal };
    }
  });
}

function decodeTarget(ctx: DecodeContext, a: RouteAction, path: string): ForwardAction['target'] {
  const spec = a.clusterSpecifier;
  if (spec.case === 'cluster') return { kind: 'cluster', name: spec.value };
  if (spec.case !== 'weightedClusters') {
    ctx.error(path, 'one of cluster or weighted_clusters is required');
    return { kind: 'cluster', name: '' };
  }
  const wp = childPath(path, 'weighted_clusters');
  ctx.onlyFields(WeightedClusterSchema, spec.value, wp, ['clusters', 'total_weight']);
  const clusters = spec.value.clusters.map((c, i): WeightedCluster => {
    const cp = childPath(childPath(wp, 'clusters'), i);
    ctx.onlyFields(WeightedCluster_ClusterWeightSchema, c, cp, [
      'name',
      'weight',
      'request_headers_to_add',
      'request_headers_to_remove',
      'response_headers_to_add',
      'response_headers_to_remove',
      'host_rewrite_literal',
    ]);
    if (c.name === '') ctx.error(childPath(cp, 'name'), 'required');
    const out: WeightedCluster = {
      name: c.name,
      weight: c.weight ?? 0,
      headers: decodeHeaderOps(ctx, c, cp),
    };
    if (c.hostRewriteSpecifier.case === 'hostRewriteLiteral') out.hostRewrite = c.hostRewriteSpecifier.value;
    return out;
  });
  if (clusters.length === 0) ctx.error(childPath(wp, 'clusters'), 'at least one cluster is required');
  const totalWeight = clusters.reduce((sum, c) => sum + c.weight, 0);
  if (clusters.length > 0 && totalWeight === 0)
    ctx.error(childPath(wp, 'clusters'), 'the sum of weights must be > 0');
  if (spec.value.totalWeight !== undefined && spec.value.totalWeight !== totalWeight) {
    ctx.error(
      childPath(wp, 'total_weight'),
      `is ${spec.value.totalWeight} but the weights sum to ${totalWeight}`,
    );
  }
  return { kind: 'weighted', clusters, totalWeight };
}

export function decodeForwardAction(ctx: DecodeContext, a: RouteAction, path: string): ForwardAction {
  ctx.onlyFields(RouteActionSchema, a, path, [
    'cluster',
    'weighted_clusters',
    'prefix_rewrite',
    'regex_rewrite',
    'host_rewrite_literal',
    'auto_host_rewrite',
    'timeout',
    'idle_timeout',
    'retry_policy',
    'request_mirror_policies',
    'hash_policy',
    'cors',
    'max_grpc_timeout',
    'upgrade_configs',
    'max_stream_duration',
  ]);
  const action: ForwardAction = {
    kind: 'forward',
    target: decodeTarget(ctx, a, path),
    autoHostRewrite: a.hostRewriteSpecifier.case === 'autoHostRewrite' && a.hostRewriteSpecifier.value.value,
    timeoutMs: durationMs(a.timeout, DEFAULT_ROUTE_TIMEOUT_MS),
    mirrors: a.requestMirrorPolicies.map((m, i): MirrorPolicy => {
      const mp = childPath(childPath(path, 'request_mirror_policies'), i);
      // trace_sampled only steers tracing of the shadow request, which Trellis does not trace separately.
      ctx.onlyFields(RouteAction_RequestMirrorPolicySchema, m, mp, [
        'cluster',
        'runtime_fraction',
        'trace_sampled',
      ]);
      if (m.cluster === '') ctx.error(childPath(mp, 'cluster'), 'required');
      return {
        cluster: m.cluster,
        fraction: decodeRuntimeFraction(ctx, m.runtimeFraction, childPath(mp, 'runtime_fraction')) ?? 1,
      };
    }),
    hashPolicies: decodeHashPolicies(ctx, a, path),
    upgrades: [],
  };
  if (a.prefixRewrite !== '') action.prefixRewrite = a.prefixRewrite;
  if (a.regexRewrite !== undefined) {
    if (a.prefixRewrite !== '')
      ctx.error(childPath(path, 'regex_rewrite'), 'prefix_rewrite and regex_rewrite are mutually exclusive');
    action.regexRewrite = decodeRegexRewrite(ctx, a.regexRewrite, childPath(path, 'regex_rewrite'));
  }
  if (a.hostRewriteSpecifier.case === 'hostRewriteLiteral') action.hostRewrite = a.hostRewriteSpecifier.value;
  const idle = optionalDurationMs(a.idleTimeout);
  if (idle !== undefined) action.idleTimeoutMs = idle;
  if (a.retryPolicy !== undefined)
    action.retryPolicy = decodeRetryPolicy(ctx, a.retryPolicy, childPath(path, 'retry_policy'));
  if (a.cors !== undefined) action.cors = decodeCorsPolicy(ctx, a.cors, childPath(path, 'cors'));
  const maxGrpc = optionalDurationMs(a.maxGrpcTimeout);
  if (maxGrpc !== undefined) action.grpcTimeoutHeaderMaxMs = maxGrpc;
  if (a.maxStreamDuration !== undefined) {
    const mp = childPath(path, 'max_stream_duration');
    ctx.onlyFields(RouteAction_MaxStreamDurationSchema, a.maxStreamDuration, mp, [
      'max_stream_duration',
      'grpc_timeout_header_max',
    ]);
    const max = optionalDurationMs(a.maxStreamDuration.maxStreamDuration);
    if (max !== undefined) action.maxStreamDurationMs = max;
    const header = optionalDurationMs(a.maxStreamDuration.grpcTimeoutHeaderMax);
    if (header !== undefined) action.grpcTimeoutHeaderMaxMs = header;
  }
  a.upgradeConfigs.forEach((u, i) => {
    const up = childPath(childPath(path, 'upgrade_configs'), i);
    ctx.onlyFields(RouteAction_UpgradeConfigSchema, u, up, ['upgrade_type', 'enabled']);
    if (u.upgradeType === '') ctx.error(childPath(up, 'upgrade_type'), 'required');
    if (u.enabled === false)
      ctx.error(childPath(up, 'enabled'), `disabling an upgrade per route ${NOT_SUPPORTED}`);
    else action.upgrades.push(u.upgradeType.toLowerCase());
  });
  return action;
}

const redirectCodes = [301, 302, 303, 307, 308];

export function decodeRedirectAction(ctx: DecodeContext, r: RedirectAction, path: string): DomainRouteAction {
  ctx.onlyFields(RedirectActionSchema, r, path, [
    'https_redirect',
    'scheme_redirect',
    'host_redirect',
    'port_redirect',
    'path_redirect',
    'prefix_rewrite',
    'response_code',
    'strip_query',
  ]);
  const status = redirectCodes[r.responseCode] ?? 301;
  const action: DomainRouteAction = { kind: 'redirect', status, stripQuery: r.stripQuery };
  if (r.schemeRewriteSpecifier.case === 'httpsRedirect' && r.schemeRewriteSpecifier.value)
    action.scheme = 'https';
  if (r.schemeRewriteSpecifier.case === 'schemeRedirect')
    action.scheme = r.schemeRewriteSpecifier.value.toLowerCase();
  if (r.hostRedirect !== '') action.host = r.hostRedirect;
  if (r.portRedirect !== 0) action.port = r.portRedirect;
  if (r.pathRewriteSpecifier.case === 'pathRedirect') action.path = r.pathRewriteSpecifier.value;
  if (r.pathRewriteSpecifier.case === 'prefixRewrite') action.prefixRewrite = r.pathRewriteSpecifier.value;
  return action;
}

export function decodeDirectResponse(
  ctx: DecodeContext,
  d: DirectResponseAction,
  path: string,
): DomainRouteAction {
  ctx.onlyFields(DirectResponseActionSchema, d, path, ['status', 'body']);
  if (d.status < 200 || d.status > 599)
    ctx.error(childPath(path, 'status'), `status ${d.status} is out of range 200..599`);
  const action: DomainRouteAction = { kind: 'direct', status: d.status };
  const body = decodeDataSource(ctx, d.body, childPath(path, 'body'));
  if (body !== undefined) action.body = body;
  return action;
}
