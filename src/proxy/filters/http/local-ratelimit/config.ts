// The local rate limit filter's settings (envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit)
// decoded from its typed_config JSON or a route / virtual host override: token bucket, enabled and
// enforced fractions, status, header edits and the x-ratelimit-* headers switch.
import { childPath, type Result } from '../../../../common/result.js';
import type { RuntimeFractionalPercent } from '../../../../generated/envoy/config/core/v3/base_pb.js';
import { RuntimeFractionalPercentSchema } from '../../../../generated/envoy/config/core/v3/base_pb.js';
import { LocalRateLimitSchema } from '../../../../generated/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { TokenBucketSchema } from '../../../../generated/envoy/type/v3/token_bucket_pb.js';
import type { HeaderValueOption } from '../../../config/route.js';
import { decodeHeaderValueOption } from '../../../xds-client/decode-common.js';
import { DecodeContext, durationMs, NOT_SUPPORTED } from '../../../xds-client/decode-context.js';
import { decodeFraction, type Fraction, messageFromTypedJson, NEVER } from '../fault/typed-config.js';
import type { TokenBucketSettings } from './token-bucket.js';

export const LOCAL_RATE_LIMIT_FILTER_TYPE = LocalRateLimitSchema.typeName;
/** Envoy refuses faster fill timers. */
export const MIN_FILL_INTERVAL_MS = 50;

export interface LocalRateLimitSettings {
  statPrefix: string;
  /** Undefined: no bucket, nothing is limited. */
  tokenBucket?: TokenBucketSettings;
  /** Fraction of requests checked against the bucket (unset in config: none). */
  enabled: Fraction;
  /** Fraction of limited requests actually refused (unset: none — limited requests are only counted). */
  enforced: Fraction;
  /** Reply status for refused requests (Envoy default 429). */
  status: number;
  requestHeadersToAddWhenNotEnforced: HeaderValueOption[];
  responseHeadersToAdd: HeaderValueOption[];
  /** One bucket per downstream connection instead of one shared. */
  perConnection: boolean;
  /** Add x-ratelimit-limit / -remaining / -reset (DRAFT_VERSION_03). */
  xRateLimitHeaders: boolean;
  /** gRPC requests refused get RESOURCE_EXHAUSTED instead of UNAVAILABLE. */
  rateLimitedAsResourceExhausted: boolean;
}

function runtimeFraction(
  ctx: DecodeContext,
  r: RuntimeFractionalPercent | undefined,
  path: string,
): Fraction {
  if (r === undefined) return NEVER;
  ctx.onlyFields(RuntimeFractionalPercentSchema, r, path, ['default_value', 'runtime_key']);
  if (r.defaultValue === undefined) {
    ctx.error(childPath(path, 'default_value'), 'required');
    return NEVER;
  }
  return decodeFraction(ctx, r.defaultValue, childPath(path, 'default_value'));
}

export function decodeLocalRateLimitSettings(
  json: unknown,
  path = 'typed_config',
): Result<LocalRateLimitSettings> {
  const ctx = new DecodeContext();
  const msg = messageFromTypedJson(ctx, json, LocalRateLimitSchema, path);
  if (msg === undefined) return ctx.result(undefined as unknown as LocalRateLimitSettings);
  ctx.onlyFields(LocalRateLimitSchema, msg, path, [
    'stat_prefix',
    'status',
    'token_bucket',
    'filter_enabled',
    'filter_enforced',
    'request_headers_to_add_when_not_enforced',
    'response_headers_to_add',
    'local_rate_limit_per_downstream_connection',
    'enable_x_ratelimit_headers',
    'rate_limited_as_resource_exhausted',
    'always_consume_default_token_bucket',
  ]);
  if (msg.statPrefix === '') ctx.error(childPath(path, 'stat_prefix'), 'required');
  let status = 429;
  if (msg.status !== undefined) {
    status = msg.status.code;
    if (status < 400 || status >= 600)
      ctx.error(childPath(childPath(path, 'status'), 'code'), 'must be in [400, 600)');
  }
  let tokenBucket: TokenBucketSettings | undefined;
  if (msg.tokenBucket !== undefined) {
    const tp = childPath(path, 'token_bucket');
    ctx.onlyFields(TokenBucketSchema, msg.tokenBucket, tp, [
      'max_tokens',
      'tokens_per_fill',
      'fill_interval',
    ]);
    const b = msg.tokenBucket;
    if (b.maxTokens <= 0) ctx.error(childPath(tp, 'max_tokens'), 'must be greater than 0');
    if (b.tokensPerFill === 0) ctx.error(childPath(tp, 'tokens_per_fill'), 'must be greater than 0');
    const fillIntervalMs = durationMs(b.fillInterval, 0);
    if (b.fillInterval === undefined) ctx.error(childPath(tp, 'fill_interval'), 'required');
    else if (fillIntervalMs < MIN_FILL_INTERVAL_MS)
      ctx.error(childPath(tp, 'fill_interval'), `must be at least ${MIN_FILL_INTERVAL_MS}ms`);
    tokenBucket = { maxTokens: b.maxTokens, tokensPerFill: b.tokensPerFill ?? 1, fillIntervalMs };
  }
  const headerList = (list: typeof msg.responseHeadersToAdd, field: string) =>
    list.map((o, i) => decodeHeaderValueOption(ctx, o, childPath(childPath(path, field), i)));
  if (msg.enableXRatelimitHeaders > 1)
    ctx.error(
      childPath(path, 'enable_x_ratelimit_headers'),
      `value ${msg.enableXRatelimitHeaders} ${NOT_SUPPORTED}`,
    );
  const settings: LocalRateLimitSettings = {
    statPrefix: msg.statPrefix,
    enabled: runtimeFraction(ctx, msg.filterEnabled, childPath(path, 'filter_enabled')),
    enforced: runtimeFraction(ctx, msg.filterEnforced, childPath(path, 'filter_enforced')),
    status,
    requestHeadersToAddWhenNotEnforced: headerList(
      msg.requestHeadersToAddWhenNotEnforced,
      'request_headers_to_add_when_not_enforced',
    ),
    responseHeadersToAdd: headerList(msg.responseHeadersToAdd, 'response_headers_to_add'),
    perConnection: msg.localRateLimitPerDownstreamConnection,
    xRateLimitHeaders: msg.enableXRatelimitHeaders === 1,
    rateLimitedAsResourceExhausted: msg.rateLimitedAsResourceExhausted,
  };
  if (tokenBucket !== undefined) settings.tokenBucket = tokenBucket;
  return ctx.result(settings);
}
