// Upstream protocol per port: HTTP/2 (explicit) for http2/grpc ports and h2UpgradePolicy UPGRADE, else the
// cluster default (HTTP/1.1); written as Envoy's typed HttpProtocolOptions extension, as Istio does.
import { create } from '@bufbuild/protobuf';
import type { ConnectionPoolSettings } from '../../../api/index.js';
import type { Cluster } from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import {
  HttpProtocolOptionsSchema as CommonHttpOptionsSchema,
  Http2ProtocolOptionsSchema,
} from '../../../generated/envoy/config/core/v3/protocol_pb.js';
import {
  HttpProtocolOptions_ExplicitHttpConfigSchema,
  HttpProtocolOptionsSchema,
} from '../../../generated/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import type { Protocol } from '../../model/service.js';
import { durationOf, pack } from '../pb.js';

export const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** Whether the cluster speaks HTTP/2 to its endpoints. */
export function usesHttp2(protocol: Protocol, pool: ConnectionPoolSettings | undefined): boolean {
  return (
    protocol === 'HTTP2' ||
    protocol === 'GRPC' ||
    (pool?.http?.h2UpgradePolicy === 'UPGRADE' && protocol !== 'TCP')
  );
}

export function applyUpstreamProtocol(
  cluster: Cluster,
  protocol: Protocol,
  pool: ConnectionPoolSettings | undefined,
  idleTimeoutMs: number | undefined,
): void {
  const h2 = usesHttp2(protocol, pool);
  if (!h2 && idleTimeoutMs === undefined) return;
  const options = create(HttpProtocolOptionsSchema, {});
  if (idleTimeoutMs !== undefined) {
    options.commonHttpProtocolOptions = create(CommonHttpOptionsSchema, {
      idleTimeout: durationOf(idleTimeoutMs),
    });
  }
  if (h2) {
    const http2 = create(Http2ProtocolOptionsSchema, {});
    if (pool?.http?.maxConcurrentStreams) http2.maxConcurrentStreams = pool.http.maxConcurrentStreams;
    options.upstreamProtocolOptions = {
      case: 'explicitHttpConfig',
      value: create(HttpProtocolOptions_ExplicitHttpConfigSchema, {
        protocolConfig: { case: 'http2ProtocolOptions', value: http2 },
      }),
    };
  }
  cluster.typedExtensionProtocolOptions = {
    [HTTP_PROTOCOL_OPTIONS]: pack(HttpProtocolOptionsSchema, options),
  };
}
