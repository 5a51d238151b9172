// Decodes the HTTP filter chain of a connection manager (router last; fault, rbac, jwt_authn,
// local_ratelimit, cors, Istio's istio.metadata_exchange (a Struct) and istio.stats (stats.PluginConfig) kept
// as their typed_config JSON for their own folders, fault, local_ratelimit, metadata exchange and stats
// checked on arrival by their folders' decoders) and access logs.
import type { JsonObject } from '@bufbuild/protobuf';
import { childPath, type Result } from '../../common/result.js';
import { type AccessLog, AccessLogSchema } from '../../generated/envoy/config/accesslog/v3/accesslog_pb.js';
import {
  type SubstitutionFormatString,
  SubstitutionFormatStringSchema,
} from '../../generated/envoy/config/core/v3/substitution_format_string_pb.js';
import {
  type FileAccessLog,
  FileAccessLogSchema,
} from '../../generated/envoy/extensions/access_loggers/file/v3/file_pb.js';
import {
  type StderrAccessLog,
  StderrAccessLogSchema,
  type StdoutAccessLog,
  StdoutAccessLogSchema,
} from '../../generated/envoy/extensions/access_loggers/stream/v3/stream_pb.js';
import { CorsSchema } from '../../generated/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { HTTPFaultSchema } from '../../generated/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { JwtAuthenticationSchema } from '../../generated/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js';
import { LocalRateLimitSchema } from '../../generated/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { RBACSchema } from '../../generated/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import {
  type Router,
  RouterSchema,
} from '../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import {
  type HttpFilter,
  HttpFilterSchema,
} from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import type { AccessLog as DomainAccessLog, HttpFilter as DomainHttpFilter } from '../config/listener.js';
import { decodeFaultSettings } from '../filters/http/fault/config.js';
import { decodeIstioStatsSettings } from '../filters/http/istio-stats/config.js';
import { PLUGIN_CONFIG_TYPE_NAME } from '../filters/http/istio-stats/plugin-config.js';
import { decodeLocalRateLimitSettings } from '../filters/http/local-ratelimit/config.js';
import {
  decodePeerMetadataSettings,
  PEER_METADATA_FILTER_NAME,
  STRUCT_TYPE_NAME,
} from '../filters/http/peer-metadata/config.js';
import { decodeDataSource } from './decode-common.js';
import { type DecodeContext, NOT_SUPPORTED } from './decode-context.js';
import { typeNameOfUrl } from './registry.js';

export const ROUTER_FILTER_TYPE = RouterSchema.typeName;

/** HTTP filters whose settings are decoded later by their own folders (src/proxy/filters/http/). */
const CONFIG_FILTER_TYPES = new Set<string>([
  HTTPFaultSchema.typeName,
  RBACSchema.typeName,
  JwtAuthenticationSchema.typeName,
  LocalRateLimitSchema.typeName,
  CorsSchema.typeName,
  PLUGIN_CONFIG_TYPE_NAME,
]);

/**
 * Filters whose own folders can decode their settings: run when a config arrives, so a bad filter-level
 * config or per-route override NACKs the resource (the last good config keeps serving) instead of failing
 * when the connection manager is built or being ignored per request.
 */
const SETTINGS_DECODERS = new Map<string, (json: unknown, path: string) => Result<unknown>>([
  [HTTPFaultSchema.typeName, decodeFaultSettings],
  [LocalRateLimitSchema.typeName, decodeLocalRateLimitSettings],
  [PLUGIN_CONFIG_TYPE_NAME, decodeIstioStatsSettings],
]);

/**
 * Checks a filter config's JSON (typed_config or a typed_per_filter_config override) with its filter's own
 * decoder when there is one; its errors and warnings join `ctx` with their full field paths under `path`.
 */
export function checkHttpFilterSettings(
  ctx: DecodeContext,
  typeName: string,
  json: unknown,
  path: string,
): void {
  const decode = SETTINGS_DECODERS.get(typeName);
  if (decode === undefined) return;
  const r = decode(json, path);
  if (r.ok) ctx.warnings.push(...(r.warnings ?? []));
  else ctx.errors.push(...r.errors);
}

function decodeHttpFilter(ctx: DecodeContext, f: HttpFilter, path: string): DomainHttpFilter | undefined {
  ctx.onlyFields(HttpFilterSchema, f, path, ['name', 'typed_config', 'is_optional', 'disabled']);
  if (f.name === '') ctx.error(childPath(path, 'name'), 'required');
  if (f.configType.case === 'configDiscovery') {
    ctx.error(childPath(path, 'config_discovery'), NOT_SUPPORTED);
    return undefined;
  }
  const tp = childPath(path, 'typed_config');
  if (f.configType.case !== 'typedConfig') {
    ctx.error(tp, 'required');
    return undefined;
  }
  const any = f.configType.value;
  const typeName = typeNameOfUrl(any.typeUrl);
  if (typeName === ROUTER_FILTER_TYPE) {
    const router = ctx.unpackAs(any, tp, RouterSchema) as Router | undefined;
    if (router !== undefined) ctx.onlyFields(RouterSchema, router, tp, []);
    return { name: f.name, typeName, config: undefined, disabled: f.disabled };
  }
  if (typeName === STRUCT_TYPE_NAME && f.name === PEER_METADATA_FILTER_NAME) {
    // Istio's peer metadata exchange: a plain Struct, recognised by the filter's name.
    const config = ctx.anyToJson(any, tp);
    if (config !== undefined) {
      const r = decodePeerMetadataSettings(config, tp);
      if (!r.ok) ctx.errors.push(...r.errors);
    }
    return { name: f.name, typeName, config, disabled: f.disabled };
  }
  if (!CONFIG_FILTER_TYPES.has(typeName)) {
    // Envoy skips an optional filter it does not know; so does Trellis, with a warning.
    if (f.isOptional) {
      ctx.warn(tp, `optional HTTP filter type ${typeName} ${NOT_SUPPORTED}; skipped`);
      return undefined;
    }
    ctx.error(childPath(tp, '@type'), `HTTP filter type ${any.typeUrl} ${NOT_SUPPORTED}`);
    return undefined;
  }
  const config = ctx.anyToJson(any, tp);
  if (config !== undefined) checkHttpFilterSettings(ctx, typeName, config, tp);
  return { name: f.name, typeName, config, disabled: f.disabled };
}

export function decodeHttpFilters(
  ctx: DecodeContext,
  filters: HttpFilter[],
  path: string,
): DomainHttpFilter[] {
  const out: DomainHttpFilter[] = [];
  filters.forEach((f, i) => {
    const d = decodeHttpFilter(ctx, f, childPath(path, i));
    if (d !== undefined) out.push(d);
  });
  const routerAt = out.findIndex((f) => f.typeName === ROUTER_FILTER_TYPE);
  if (routerAt < 0) ctx.error(path, `the last HTTP filter must be the router (${ROUTER_FILTER_TYPE})`);
  else if (routerAt !== out.length - 1) ctx.error(path, 'the router must be the last HTTP filter');
  return out;
}

function decodeFormatString(
  ctx: DecodeContext,
  f: SubstitutionFormatString,
  path: string,
): DomainAccessLog['format'] {
  // content_type only matters for local replies, not for access logs.
  ctx.onlyFields(SubstitutionFormatStringSchema, f, path, [
    'text_format',
    'json_format',
    'text_format_source',
    'content_type',
  ]);
  switch (f.format.case) {
    case 'textFormat':
      return { kind: 'text', template: f.format.value };
    case 'textFormatSource':
      return {
        kind: 'text',
        template: decodeDataSource(ctx, f.format.value, childPath(path, 'text_format_source')) ?? '',
      };
    case 'jsonFormat':
      return decodeJsonFormat(ctx, f.format.value, childPath(path, 'json_format'));
    default:
      return { kind: 'default' };
  }
}

function decodeJsonFormat(ctx: DecodeContext, json: JsonObject, path: string): DomainAccessLog['format'] {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(json)) {
    if (typeof v === 'string') fields[k] = v;
    else
      ctx.error(childPath(path, k), `only string values are supported by Trellis (got ${JSON.stringify(v)})`);
  }
  return { kind: 'json', fields };
}

function decodeAccessLog(ctx: DecodeContext, a: AccessLog, path: string): DomainAccessLog | undefined {
  ctx.onlyFields(AccessLogSchema, a, path, ['name', 'typed_config']);
  const tp = childPath(path, 'typed_config');
  if (a.configType.case !== 'typedConfig') {
    ctx.error(tp, 'required');
    return undefined;
  }
  const msg = ctx.unpack(a.configType.value, tp, [
    FileAccessLogSchema,
    StdoutAccessLogSchema,
    StderrAccessLogSchema,
  ]);
  if (msg === undefined) return undefined;
  if (msg.$typeName === FileAccessLogSchema.typeName) {
    const f = msg as FileAccessLog;
    ctx.onlyFields(FileAccessLogSchema, f, tp, ['path', 'format', 'json_format', 'log_format']);
    if (f.path === '') ctx.error(childPath(tp, 'path'), 'required');
    const logPath = f.path === '/dev/stdout' ? 'stdout' : f.path === '/dev/stderr' ? 'stderr' : f.path;
    switch (f.accessLogFormat.case) {
      case 'format':
        return { path: logPath, format: { kind: 'text', template: f.accessLogFormat.value } };
      case 'jsonFormat':
        return {
          path: logPath,
          format: decodeJsonFormat(ctx, f.accessLogFormat.value, childPath(tp, 'json_format')),
        };
      case 'logFormat':
        return {
          path: logPath,
          format: decodeFormatString(ctx, f.accessLogFormat.value, childPath(tp, 'log_format')),
        };
      default:
        return { path: logPath, format: { kind: 'default' } };
    }
  }
  const s = msg as StdoutAccessLog | StderrAccessLog;
  const logPath = msg.$typeName === StdoutAccessLogSchema.typeName ? 'stdout' : 'stderr';
  const format =
    s.accessLogFormat.case === 'logFormat'
      ? decodeFormatString(ctx, s.accessLogFormat.value, childPath(tp, 'log_format'))
      : { kind: 'default' as const };
  return { path: logPath, format };
}

export function decodeAccessLogs(ctx: DecodeContext, logs: AccessLog[], path: string): DomainAccessLog[] {
  const out: DomainAccessLog[] = [];
  logs.forEach((a, i) => {
    const d = decodeAccessLog(ctx, a, childPath(path, i));
    if (d !== undefined) out.push(d);
  });
  return out;
}
