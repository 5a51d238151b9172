// Decodes Envoy's Cluster (discovery type, endpoints, upstream HTTP protocol) into the cluster manager's
// Cluster, applying Envoy's defaults; LB, circuit breakers and outlier detection are in
// decode-cluster-policies.ts, transports (TLS, transport_socket_matches) in decode-cluster-tls.ts.
import { isIP } from 'node:net';
import { childPath, type Result } from '../../common/result.js';
import {
  type Cluster,
  Cluster_ClusterProtocolSelection,
  Cluster_DiscoveryTypeSchema,
  Cluster_DnsLookupFamilySchema,
  Cluster_EdsClusterConfigSchema,
  Cluster_LbPolicySchema,
  ClusterSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import {
  type HttpProtocolOptions as CoreHttpProtocolOptions,
  HttpProtocolOptionsSchema as CoreHttpProtocolOptionsSchema,
  Http1ProtocolOptionsSchema,
  Http2ProtocolOptionsSchema,
} from '../../generated/envoy/config/core/v3/protocol_pb.js';
import {
  type HttpProtocolOptions,
  HttpProtocolOptions_ExplicitHttpConfigSchema,
  HttpProtocolOptions_UseDownstreamHttpConfigSchema,
  HttpProtocolOptionsSchema,
} from '../../generated/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import type { Cluster as DomainCluster, UpstreamProtocol } from '../config/cluster.js';
import {
  CLUSTER_DEFAULTS,
  decodeCircuitBreakers,
  decodeLbConfig,
  decodeOutlierDetection,
} from './decode-cluster-policies.js';
import { decodeClusterTransports } from './decode-cluster-tls.js';
import { decodeMetadata } from './decode-common.js';
import {
  DecodeContext,
  type DecodeOptions,
  durationMs,
  NOT_SUPPORTED,
  supportedEnum,
} from './decode-context.js';
import { decodeClusterLoadAssignmentInto } from './decode-endpoint.js';
import { checkAdsConfigSource } from './decode-network-filters.js';

const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** HTTP protocol settings that may come from the typed extension options or Envoy's deprecated cluster fields. */
interface UpstreamHttp {
  protocol: UpstreamProtocol;
  common?: CoreHttpProtocolOptions;
}

function checkCommonHttp(ctx: DecodeContext, o: CoreHttpProtocolOptions, path: string): void {
  ctx.onlyFields(CoreHttpProtocolOptionsSchema, o, path, ['idle_timeout', 'max_requests_per_connection']);
}

function decodeUpstreamHttp(ctx: DecodeContext, c: Cluster, path: string): UpstreamHttp {
  const result: UpstreamHttp = { protocol: 'http1' };
  // Envoy's deprecated cluster-level fields.
  if (c.http2ProtocolOptions !== undefined) {
    ctx.onlyFields(
      Http2ProtocolOptionsSchema,
      c.http2ProtocolOptions,
      childPath(path, 'http2_protocol_options'),
      [],
    );
    result.protocol = 'http2';
  }
  if (c.httpProtocolOptions !== undefined) {
    ctx.onlyFields(
      Http1ProtocolOptionsSchema,
      c.httpProtocolOptions,
      childPath(path, 'http_protocol_options'),
      [],
    );
  }
  if (c.protocolSelection === Cluster_ClusterProtocolSelection.USE_DOWNSTREAM_PROTOCOL)
    result.protocol = 'downstream';
  if (c.commonHttpProtocolOptions !== undefined) {
    checkCommonHttp(ctx, c.commonHttpProtocolOptions, childPath(path, 'common_http_protocol_options'));
    result.common = c.commonHttpProtocolOptions;
  }
  for (const [key, any] of Object.entries(c.typedExtensionProtocolOptions)) {
    const kp = childPath(childPath(path, 'typed_extension_protocol_options'), key);
    if (key !== HTTP_PROTOCOL_OPTIONS_KEY) {
      ctx.error(kp, NOT_SUPPORTED);
      continue;
    }
    const o = ctx.unpackAs(any, kp, HttpProtocolOptionsSchema) as HttpProtocolOptions | undefined;
    if (o === undefined) continue;
    ctx.onlyFields(HttpProtocolOptionsSchema, o, kp, [
      'common_http_protocol_options',
      'explicit_http_config',
      'use_downstream_protocol_config',
    ]);
    if (o.commonHttpProtocolOptions !== undefined) {
      checkCommonHttp(ctx, o.commonHttpProtocolOptions, childPath(kp, 'common_http_protocol_options'));
      result.common = o.commonHttpProtocolOptions;
    }
    const spec = o.upstreamProtocolOptions;
    if (spec.case === 'explicitHttpConfig') {
      const ep = childPath(kp, 'explicit_http_config');
      ctx.onlyFields(HttpProtocolOptions_ExplicitHttpConfigSchema, spec.value, ep, [
        'http_protocol_options',
        'http2_protocol_options',
      ]);
      const pc = spec.value.protocolConfig;
      if (pc.case === 'http2ProtocolOptions') {
        ctx.onlyFields(Http2ProtocolOptionsSchema, pc.value, childPath(ep, 'http2_protocol_options'), []);
        result.protocol = 'http2';
      } else if (pc.case === 'httpProtocolOptions') {
        ctx.onlyFields(Http1ProtocolOptionsSchema, pc.value, childPath(ep, 'http_protocol_options'), []);
        result.protocol = 'http1';
      } else ctx.error(ep, 'one of http_protocol_options or http2_protocol_options is required');
    } else if (spec.case === 'useDownstreamProtocolConfig') {
      const dp = childPath(kp, 'use_downstream_protocol_config');
      ctx.onlyFields(HttpProtocolOptions_UseDownstreamHttpConfigSchema, spec.value, dp, [
        'http_protocol_options',
        'http2_protocol_options',
      ]);
      if (spec.value.httpProtocolOptions) {
        ctx.onlyFields(
          Http1ProtocolOptionsSchema,
          spec.value.httpProtocolOptions,
          childPath(dp, 'http_protocol_options'),
          [],
        );
      }
      if (spec.value.http2ProtocolOptions) {
        ctx.onlyFields(
          Http2ProtocolOptionsSchema,
          spec.value.http2ProtocolOptions,
          childPath(dp, 'http2_protocol_options'),
          [],
        );
      }
      result.protocol = 'downstream';
    }
  }
  return result;
}

export function decodeClusterInto(ctx: DecodeContext, c: Cluster, path: string): DomainCluster {
  ctx.onlyFields(ClusterSchema, c, path, [
    'name',
    'alt_stat_name',
    'type',
    'eds_cluster_config',
    'connect_timeout',
    'lb_policy',
    'load_assignment',
    'max_requests_per_connection',
    'circuit_breakers',
    'common_http_protocol_options',
    'http_protocol_options',
    'http2_protocol_options',
    'typed_extension_protocol_options',
    'dns_refresh_rate',
    'dns_lookup_family',
    'outlier_detection',
    'ring_hash_lb_config',
    'maglev_lb_config',
    'least_request_lb_config',
    'common_lb_config',
    'transport_socket',
    'transport_socket_matches',
    'metadata',
    'protocol_selection',
  ]);
  if (c.name === '') ctx.error(childPath(path, 'name'), 'required');
  if (c.clusterDiscoveryType.case === 'clusterType')
    ctx.error(childPath(path, 'cluster_type'), NOT_SUPPORTED);
  const typeValue = c.clusterDiscoveryType.case === 'type' ? c.clusterDiscoveryType.value : 0;
  const type = supportedEnum(
    ctx,
    Cluster_DiscoveryTypeSchema,
    typeValue,
    childPath(path, 'type'),
    ['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST'],
    'STATIC',
  );
  const lbPolicy = supportedEnum(
    ctx,
    Cluster_LbPolicySchema,
    c.lbPolicy,
    childPath(path, 'lb_policy'),
    ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV', 'CLUSTER_PROVIDED'],
    'ROUND_ROBIN',
  );
  if ((type === 'ORIGINAL_DST') !== (lbPolicy === 'CLUSTER_PROVIDED')) {
    ctx.error(childPath(path, 'lb_policy'), 'CLUSTER_PROVIDED goes with (and only with) type ORIGINAL_DST');
  }
  const http = decodeUpstreamHttp(ctx, c, path);
  const connectTimeoutMs = durationMs(c.connectTimeout, CLUSTER_DEFAULTS.connectTimeoutMs);
  if (connectTimeoutMs <= 0) ctx.error(childPath(path, 'connect_timeout'), 'must be greater than 0');
  const cluster: DomainCluster = {
    name: c.name,
    type,
    connectTimeoutMs,
    lbPolicy,
    lbConfig: decodeLbConfig(ctx, c, path),
    circuitBreakers: decodeCircuitBreakers(ctx, c, childPath(path, 'circuit_breakers')),
    upstreamProtocol: http.protocol,
    idleTimeoutMs: durationMs(http.common?.idleTimeout, CLUSTER_DEFAULTS.idleTimeoutMs),
    dnsRefreshRateMs: durationMs(c.dnsRefreshRate, CLUSTER_DEFAULTS.dnsRefreshRateMs),
    dnsLookupFamily: supportedEnum(
      ctx,
      Cluster_DnsLookupFamilySchema,
      c.dnsLookupFamily,
      childPath(path, 'dns_lookup_family'),
      ['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'],
      'AUTO',
    ),
    metadata: decodeMetadata(ctx, c.metadata, childPath(path, 'metadata')),
  };
  const maxRequests = http.common?.maxRequestsPerConnection ?? c.maxRequestsPerConnection;
  if (maxRequests !== undefined && maxRequests > 0) cluster.maxRequestsPerConnection = maxRequests;
  if (c.altStatName !== '') cluster.altStatName = c.altStatName;
  if (c.edsClusterConfig !== undefined) {
    const ep = childPath(path, 'eds_cluster_config');
    if (type !== 'EDS') ctx.error(ep, 'only for type EDS');
    ctx.onlyFields(Cluster_EdsClusterConfigSchema, c.edsClusterConfig, ep, ['eds_config', 'service_name']);
    checkAdsConfigSource(ctx, c.edsClusterConfig.edsConfig, childPath(ep, 'eds_config'));
    if (c.edsClusterConfig.serviceName !== '') cluster.edsServiceName = c.edsClusterConfig.serviceName;
  } else if (type === 'EDS') {
    ctx.error(childPath(path, 'eds_cluster_config'), 'required for type EDS');
  }
  if (c.loadAssignment !== undefined) {
    const lp = childPath(path, 'load_assignment');
    if (type === 'EDS' || type === 'ORIGINAL_DST') ctx.error(lp, `not used by ${type} clusters`);
    cluster.loadAssignment = decodeClusterLoadAssignmentInto(ctx, c.loadAssignment, lp);
    const endpoints = cluster.loadAssignment.localities.flatMap((l) => l.endpoints);
    if (type === 'LOGICAL_DNS' && endpoints.length !== 1)
      ctx.error(lp, 'LOGICAL_DNS clusters take exactly one endpoint');
    if (type === 'STATIC') {
      endpoints.forEach((e) => {
        if (e.address.host !== '' && isIP(e.address.host) === 0) {
          ctx.error(
            lp,
            `STATIC cluster endpoint "${e.address.host}" must be an IP address (use STRICT_DNS for names)`,
          );
        }
      });
    }
  } else if (type === 'STATIC' || type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
    ctx.error(childPath(path, 'load_assignment'), `required for type ${type}`);
  }
  if (c.outlierDetection !== undefined) {
    cluster.outlierDetection = decodeOutlierDetection(
      ctx,
      c.outlierDetection,
      childPath(path, 'outlier_detection'),
    );
  }
  decodeClusterTransports(ctx, c, path, cluster);
  return cluster;
}

/** Decodes one CDS resource. */
export function decodeCluster(c: Cluster, options?: DecodeOptions): Result<DomainCluster> {
  const ctx = new DecodeContext(options);
  const value = decodeClusterInto(ctx, c, '');
  return ctx.result(value);
}
