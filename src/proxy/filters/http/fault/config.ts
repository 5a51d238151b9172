// The fault filter's settings (envoy.extensions.filters.http.fault.v3.HTTPFault), decoded from its
// typed_config JSON or a route's per-filter override: fixed or header-controlled delay and abort (HTTP or
// gRPC status) with fractional percentages, and the request conditions (cluster, headers, nodes).
import { childPath, type Result } from '../../../../common/result.js';
import {
  type FaultDelay,
  FaultDelaySchema,
} from '../../../../generated/envoy/extensions/filters/common/fault/v3/fault_pb.js';
import {
  type FaultAbort,
  FaultAbortSchema,
  HTTPFaultSchema,
} from '../../../../generated/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import type { HeaderMatch } from '../../../config/route.js';
import { compileHeaderMatch, type HeaderPredicate } from '../../../router/request-match.js';
import { DecodeContext, durationMs } from '../../../xds-client/decode-context.js';
import { decodeHeaderMatcher } from '../../../xds-client/decode-route-match.js';
import { decodeFraction, type Fraction, messageFromTypedJson } from './typed-config.js';

export const FAULT_FILTER_TYPE = HTTPFaultSchema.typeName;

export type FaultDelaySettings =
  | { kind: 'fixed'; delayMs: number; percentage: Fraction }
  /** Delay in ms from x-envoy-fault-delay-request; its percentage header is capped by `percentage`. */
  | { kind: 'header'; percentage: Fraction };

export type FaultAbortSettings =
  | { kind: 'http'; status: number; percentage: Fraction }
  | { kind: 'grpc'; grpcStatus: number; percentage: Fraction }
  /** Status from x-envoy-fault-abort-request or x-envoy-fault-abort-grpc-request. */
  | { kind: 'header'; percentage: Fraction };

export interface FaultSettings {
  delay?: FaultDelaySettings;
  abort?: FaultAbortSettings;
  /** Only requests routed to this cluster are faulted. */
  upstreamCluster?: string;
  headers: HeaderMatch[];
  /** Compiled `headers`: all must match. */
  headerPredicates: HeaderPredicate[];
  /** Only requests whose x-envoy-downstream-service-node is listed (empty: all). */
  downstreamNodes: string[];
  /** At most this many requests faulted at once (undefined: unlimited). */
  maxActiveFaults?: number;
  disableDownstreamClusterStats: boolean;
}

function decodeDelay(ctx: DecodeContext, d: FaultDelay, path: string): FaultDelaySettings | undefined {
  ctx.onlyFields(FaultDelaySchema, d, path, ['fixed_delay', 'header_delay', 'percentage']);
  const percentage = decodeFraction(ctx, d.percentage, childPath(path, 'percentage'));
  switch (d.faultDelaySecifier.case) {
    case 'fixedDelay': {
      const delayMs = durationMs(d.faultDelaySecifier.value, 0);
      if (delayMs <= 0) ctx.error(childPath(path, 'fixed_delay'), 'must be greater than 0s');
      return { kind: 'fixed', delayMs, percentage };
    }
    case 'headerDelay':
      return { kind: 'header', percentage };
    default:
      ctx.error(path, 'one of fixed_delay or header_delay is required');
      return undefined;
  }
}

function decodeAbort(ctx: DecodeContext, a: FaultAbort, path: string): FaultAbortSettings | undefined {
  ctx.onlyFields(FaultAbortSchema, a, path, ['http_status', 'grpc_status', 'header_abort', 'percentage']);
  const percentage = decodeFraction(ctx, a.percentage, childPath(path, 'percentage'));
  switch (a.errorType.case) {
    case 'httpStatus': {
      const status = a.errorType.value;
      if (status < 200 || status >= 600) ctx.error(childPath(path, 'http_status'), 'must be in [200, 600)');
      return { kind: 'http', status, percentage };
    }
    case 'grpcStatus':
      return { kind: 'grpc', grpcStatus: a.errorType.value, percentage };
    case 'headerAbort':
      return { kind: 'header', percentage };
    default:
      ctx.error(path, 'one of http_status, grpc_status or header_abort is required');
      return undefined;
  }
}

/** Decodes an HTTPFault typed_config (or per-route override) JSON; errors carry field paths under `path`. */
export function decodeFaultSettings(json: unknown, path = 'typed_config'): Result<FaultSettings> {
  const ctx = new DecodeContext();
  const msg = messageFromTypedJson(ctx, json, HTTPFaultSchema, path);
  if (msg === undefined) return ctx.result(undefined as unknown as FaultSettings);
  // The *_runtime keys name runtime overrides; Trellis has no runtime layer, so they change nothing.
  // response_rate_limit is not in the list: it is reported as not supported.
  ctx.onlyFields(HTTPFaultSchema, msg, path, [
    'delay',
    'abort',
    'upstream_cluster',
    'headers',
    'downstream_nodes',
    'max_active_faults',
    'delay_percent_runtime',
    'abort_percent_runtime',
    'delay_duration_runtime',
    'abort_http_status_runtime',
    'max_active_faults_runtime',
    'abort_grpc_status_runtime',
    'disable_downstream_cluster_stats',
  ]);
  const headers = msg.headers.map((h, i) =>
    decodeHeaderMatcher(ctx, h, childPath(childPath(path, 'headers'), i)),
  );
  const settings: FaultSettings = {
    headers,
    headerPredicates: [],
    downstreamNodes: [...msg.downstreamNodes],
    disableDownstreamClusterStats: msg.disableDownstreamClusterStats,
  };
  if (msg.delay !== undefined) settings.delay = decodeDelay(ctx, msg.delay, childPath(path, 'delay'));
  if (msg.abort !== undefined) settings.abort = decodeAbort(ctx, msg.abort, childPath(path, 'abort'));
  if (msg.upstreamCluster !== '') settings.upstreamCluster = msg.upstreamCluster;
  if (msg.maxActiveFaults !== undefined) settings.maxActiveFaults = msg.maxActiveFaults;
  if (ctx.errors.length === 0) settings.headerPredicates = headers.map(compileHeaderMatch);
  return ctx.result(settings);
}

/** Decoded per-filter JSON objects, so an override is decoded once per config, not once per request. */
const decodedOverrides = new WeakMap<object, Result<FaultSettings>>();

/**
 * The most specific per-filter override of the fault filter named `filterName`: the route's, else the
 * virtual host's. Overrides that fail to decode are ignored here (the xDS decoder should reject them first,
 * with `decodeFaultSettings`).
 */
export function faultOverride(
  filterName: string,
  ...levels: (Record<string, unknown> | undefined)[]
): FaultSettings | undefined {
  for (const perFilter of levels) {
    const json = perFilter?.[filterName];
    if (typeof json !== 'object' || json === null) continue;
    let r = decodedOverrides.get(json);
    if (r === undefined) {
      r = decodeFaultSettings(json, `typed_per_filter_config.${filterName}`);
      decodedOverrides.set(json, r);
    }
    return r.ok ? r.value : undefined;
  }
  return undefined;
}
