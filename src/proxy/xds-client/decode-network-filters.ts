// Decodes a filter chain's terminal network filter: the HTTP connection manager (codec, routes inline or by
// RDS name, HTTP filters, timeouts with Envoy's defaults, access logs) or the TCP proxy.
import { childPath } from '../../common/result.js';
import {
  type ConfigSource,
  ConfigSourceSchema,
} from '../../generated/envoy/config/core/v3/config_source_pb.js';
import {
  Http1ProtocolOptionsSchema,
  type Http2ProtocolOptions,
  Http2ProtocolOptionsSchema,
  HttpProtocolOptions_HeadersWithUnderscoresActionSchema,
  HttpProtocolOptionsSchema,
} from '../../generated/envoy/config/core/v3/protocol_pb.js';
import {
  type HttpConnectionManager,
  HttpConnectionManager_CodecTypeSchema,
  HttpConnectionManager_ForwardClientCertDetailsSchema,
  HttpConnectionManager_ServerHeaderTransformationSchema,
  HttpConnectionManager_UpgradeConfigSchema,
  HttpConnectionManagerSchema,
  RdsSchema,
} from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import {
  type TcpProxy,
  TcpProxy_WeightedCluster_ClusterWeightSchema,
  TcpProxy_WeightedClusterSchema,
  TcpProxySchema,
} from '../../generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type { HttpConnectionManager as DomainHcm, TcpProxy as DomainTcpProxy } from '../config/listener.js';
import { type DecodeContext, durationMs, NOT_SUPPORTED, supportedEnum } from './decode-context.js';
import { decodeAccessLogs, decodeHttpFilters } from './decode-http-filters.js';
import { decodeRouteConfigurationInto } from './decode-route.js';

/** Envoy's defaults for the connection manager (ms, KiB, HTTP/2 settings). */
export const HCM_DEFAULTS = {
  streamIdleTimeoutMs: 300_000,
  idleTimeoutMs: 3_600_000,
  maxRequestHeadersKb: 60,
  http2MaxConcurrentStreams: 2_147_483_647,
  http2InitialWindowSize: 268_435_456,
} as const;
/** Envoy's TCP proxy idle timeout default (ms). */
export const TCP_PROXY_IDLE_TIMEOUT_MS = 3_600_000;

/** Trellis takes every dynamic resource over its one ADS stream: a config source must say `ads: {}`. */
export function checkAdsConfigSource(ctx: DecodeContext, cs: ConfigSource | undefined, path: string): void {
  if (cs === undefined) {
    ctx.error(path, 'required');
    return;
  }
  // initial_fetch_timeout only bounds how long initialisation waits; resource_api_version must be V3 (or AUTO).
  ctx.onlyFields(ConfigSourceSchema, cs, path, ['ads', 'initial_fetch_timeout', 'resource_api_version']);
  if (cs.resourceApiVersion === 1) ctx.error(childPath(path, 'resource_api_version'), `V2 ${NOT_SUPPORTED}`);
  if (cs.configSourceSpecifier.case === undefined)
    ctx.error(path, 'ads: {} is required (Trellis uses ADS only)');
}

function decodeHttp2Options(
  ctx: DecodeContext,
  h: Http2ProtocolOptions | undefined,
  path: string,
): DomainHcm['http2'] {
  const out: DomainHcm['http2'] = {
    maxConcurrentStreams: HCM_DEFAULTS.http2MaxConcurrentStreams,
    initialStreamWindowSize: HCM_DEFAULTS.http2InitialWindowSize,
    initialConnectionWindowSize: HCM_DEFAULTS.http2InitialWindowSize,
  };
  if (h === undefined) return out;
  ctx.onlyFields(Http2ProtocolOptionsSchema, h, path, [
    'max_concurrent_streams',
    'initial_stream_window_size',
    'initial_connection_window_size',
  ]);
  if (h.maxConcurrentStreams !== undefined) out.maxConcurrentStreams = h.maxConcurrentStreams;
  if (h.initialStreamWindowSize !== undefined) out.initialStreamWindowSize = h.initialStreamWindowSize;
  if (h.initialConnectionWindowSize !== undefined)
    out.initialConnectionWindowSize = h.initialConnectionWindowSize;
  for (const [field, v] of [
    ['initial_stream_window_size', out.initialStreamWindowSize],
    ['initial_connection_window_size', out.initialConnectionWindowSize],
  ] as const) {
    if (v < 65_535 || v > 2_147_483_647)
      ctx.error(childPath(path, field), `${v} is out of range 65535..2147483647`);
  }
  return out;
}

export function decodeHttpConnectionManager(
  ctx: DecodeContext,
  h: HttpConnectionManager,
  path: string,
): DomainHcm {
  ctx.onlyFields(HttpConnectionManagerSchema, h, path, [
    'codec_type',
    'stat_prefix',
    'rds',
    'route_config',
    'http_filters',
    'common_http_protocol_options',
    'http_protocol_options',
    'http2_protocol_options',
    'server_name',
    'server_header_transformation',
    'max_request_headers_kb',
    'stream_idle_timeout',
    'request_timeout',
    'request_headers_timeout',
    'access_log',
    'use_remote_address',
    'xff_num_trusted_hops',
    'generate_request_id',
    'preserve_external_request_id',
    'forward_client_cert_details',
    // Which details go into x-forwarded-client-cert: the proxy always writes Istio's set (By, Hash,
    // Subject, URI, DNS), which is what Istio asks for here.
    'set_current_client_cert_details',
    'upgrade_configs',
    'normalize_path',
    'merge_slashes',
    'strip_any_host_port',
  ]);
  if (h.statPrefix === '') ctx.error(childPath(path, 'stat_prefix'), 'required');
  let routes: DomainHcm['routes'];
  switch (h.routeSpecifier.case) {
    case 'routeConfig':
      routes = {
        kind: 'inline',
        config: decodeRouteConfigurationInto(ctx, h.routeSpecifier.value, childPath(path, 'route_config')),
      };
      break;
    case 'rds': {
      const rp = childPath(path, 'rds');
      ctx.onlyFields(RdsSchema, h.routeSpecifier.value, rp, ['config_source', 'route_config_name']);
      checkAdsConfigSource(ctx, h.routeSpecifier.value.configSource, childPath(rp, 'config_source'));
      if (h.routeSpecifier.value.routeConfigName === '')
        ctx.error(childPath(rp, 'route_config_name'), 'required');
      routes = { kind: 'rds', name: h.routeSpecifier.value.routeConfigName };
      break;
    }
    case 'scopedRoutes':
      ctx.error(childPath(path, 'scoped_routes'), NOT_SUPPORTED);
      routes = { kind: 'rds', name: '' };
      break;
    default:
      ctx.error(path, 'one of route_config or rds is required');
      routes = { kind: 'rds', name: '' };
  }
  const common = h.commonHttpProtocolOptions;
  const cp = childPath(path, 'common_http_protocol_options');
  if (common !== undefined) {
    ctx.onlyFields(HttpProtocolOptionsSchema, common, cp, [
      'idle_timeout',
      'max_connection_duration',
      'max_stream_duration',
      'headers_with_underscores_action',
    ]);
  }
  if (h.httpProtocolOptions !== undefined) {
    ctx.onlyFields(
      Http1ProtocolOptionsSchema,
      h.httpProtocolOptions,
      childPath(path, 'http_protocol_options'),
      [],
    );
  }
  const maxRequestHeadersKb = h.maxRequestHeadersKb ?? HCM_DEFAULTS.maxRequestHeadersKb;
  if (maxRequestHeadersKb < 1 || maxRequestHeadersKb > 8192) {
    ctx.error(childPath(path, 'max_request_headers_kb'), `${maxRequestHeadersKb} is out of range 1..8192`);
  }
  const upgrades: string[] = [];
  h.upgradeConfigs.forEach((u, i) => {
    const up = childPath(childPath(path, 'upgrade_configs'), i);
    ctx.onlyFields(HttpConnectionManager_UpgradeConfigSchema, u, up, ['upgrade_type', 'enabled']);
    if (u.upgradeType === '') ctx.error(childPath(up, 'upgrade_type'), 'required');
    if (u.enabled !== false) upgrades.push(u.upgradeType.toLowerCase());
  });
  return {
    kind: 'http',
    statPrefix: h.statPrefix,
    codec: supportedEnum(
      ctx,
      HttpConnectionManager_CodecTypeSchema,
      h.codecType,
      childPath(path, 'codec_type'),
      ['AUTO', 'HTTP1', 'HTTP2'],
      'AUTO',
    ),
    routes,
    httpFilters: decodeHttpFilters(ctx, h.httpFilters, childPath(path, 'http_filters')),
    accessLogs: decodeAccessLogs(ctx, h.accessLog, childPath(path, 'access_log')),
    useRemoteAddress: h.useRemoteAddress ?? false,
    xffNumTrustedHops: h.xffNumTrustedHops,
    generateRequestId: h.generateRequestId ?? true,
    preserveExternalRequestId: h.preserveExternalRequestId,
    streamIdleTimeoutMs: durationMs(h.streamIdleTimeout, HCM_DEFAULTS.streamIdleTimeoutMs),
    requestTimeoutMs: durationMs(h.requestTimeout, 0),
    requestHeadersTimeoutMs: durationMs(h.requestHeadersTimeout, 0),
    idleTimeoutMs: durationMs(common?.idleTimeout, HCM_DEFAULTS.idleTimeoutMs),
    maxConnectionDurationMs: durationMs(common?.maxConnectionDuration, 0),
    maxStreamDurationMs: durationMs(common?.maxStreamDuration, 0),
    maxRequestHeadersKb,
    headersWithUnderscores: supportedEnum(
      ctx,
      HttpProtocolOptions_HeadersWithUnderscoresActionSchema,
      common?.headersWithUnderscoresAction ?? 0,
      childPath(cp, 'headers_with_underscores_action'),
      ['ALLOW', 'REJECT_REQUEST', 'DROP_HEADER'],
      'ALLOW',
    ),
    serverName: h.serverName === '' ? 'envoy' : h.serverName,
    serverHeaderTransformation: supportedEnum(
      ctx,
      HttpConnectionManager_ServerHeaderTransformationSchema,
      h.serverHeaderTransformation,
      childPath(path, 'server_header_transformation'),
      ['OVERWRITE', 'APPEND_IF_ABSENT', 'PASS_THROUGH'],
      'OVERWRITE',
    ),
    upgrades,
    normalizePath: h.normalizePath ?? false,
    mergeSlashes: h.mergeSlashes,
    forwardClientCertDetails: supportedEnum(
      ctx,
      HttpConnectionManager_ForwardClientCertDetailsSchema,
      h.forwardClientCertDetails,
      childPath(path, 'forward_client_cert_details'),
      ['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY'],
      'SANITIZE',
    ),
    xfccCert: h.setCurrentClientCertDetails?.cert === true,
    stripAnyHostPort: h.stripPortMode.case === 'stripAnyHostPort' && h.stripPortMode.value,
    http2: decodeHttp2Options(ctx, h.http2ProtocolOptions, childPath(path, 'http2_protocol_options')),
  };
}

export function decodeTcpProxy(ctx: DecodeContext, t: TcpProxy, path: string): DomainTcpProxy {
  ctx.onlyFields(TcpProxySchema, t, path, [
    'stat_prefix',
    'cluster',
    'weighted_clusters',
    'idle_timeout',
    'access_log',
  ]);
  if (t.statPrefix === '') ctx.error(childPath(path, 'stat_prefix'), 'required');
  let target: DomainTcpProxy['target'];
  if (t.clusterSpecifier.case === 'cluster') {
    target = { kind: 'cluster', name: t.clusterSpecifier.value };
  } else if (t.clusterSpecifier.case === 'weightedClusters') {
    const wp = childPath(path, 'weighted_clusters');
    ctx.onlyFields(TcpProxy_WeightedClusterSchema, t.clusterSpecifier.value, wp, ['clusters']);
    const clusters = t.clusterSpecifier.value.clusters.map((c, i) => {
      const cp = childPath(childPath(wp, 'clusters'), i);
      ctx.onlyFields(TcpProxy_WeightedCluster_ClusterWeightSchema, c, cp, ['name', 'weight']);
      if (c.name === '') ctx.error(childPath(cp, 'name'), 'required');
      if (c.weight < 1) ctx.error(childPath(cp, 'weight'), 'must be at least 1');
      return { name: c.name, weight: c.weight };
    });
    if (clusters.length === 0) ctx.error(childPath(wp, 'clusters'), 'at least one cluster is required');
    target = { kind: 'weighted', clusters };
  } else {
    ctx.error(path, 'one of cluster or weighted_clusters is required');
    target = { kind: 'cluster', name: '' };
  }
  return {
    kind: 'tcp',
    statPrefix: t.statPrefix,
    target,
    idleTimeoutMs: durationMs(t.idleTimeout, TCP_PROXY_IDLE_TIMEOUT_MS),
    accessLogs: decodeAccessLogs(ctx, t.accessLog, childPath(path, 'access_log')),
  };
}
