// The type registry of every generated Envoy/xDS message (for google.protobuf.Any in JSON and binary) and the
// type URLs of the xDS resources the proxy subscribes to.
import { createRegistry, type DescFile, type Registry } from '@bufbuild/protobuf';
import { file_envoy_config_bootstrap_v3_bootstrap } from '../../generated/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { file_envoy_config_cluster_v3_cluster } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { file_envoy_config_endpoint_v3_endpoint } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { file_envoy_config_listener_v3_listener } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { file_envoy_config_route_v3_route } from '../../generated/envoy/config/route/v3/route_pb.js';
import { file_envoy_extensions_access_loggers_file_v3_file } from '../../generated/envoy/extensions/access_loggers/file/v3/file_pb.js';
import { file_envoy_extensions_access_loggers_stream_v3_stream } from '../../generated/envoy/extensions/access_loggers/stream/v3/stream_pb.js';
import { file_envoy_extensions_filters_http_cors_v3_cors } from '../../generated/envoy/extensions/filters/http/cors/v3/cors_pb.js';
import { file_envoy_extensions_filters_http_fault_v3_fault } from '../../generated/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { file_envoy_extensions_filters_http_jwt_authn_v3_config } from '../../generated/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js';
import { file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit } from '../../generated/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
import { file_envoy_extensions_filters_http_rbac_v3_rbac } from '../../generated/envoy/extensions/filters/http/rbac/v3/rbac_pb.js';
import { file_envoy_extensions_filters_http_router_v3_router } from '../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import { file_envoy_extensions_filters_listener_http_inspector_v3_http_inspector } from '../../generated/envoy/extensions/filters/listener/http_inspector/v3/http_inspector_pb.js';
import { file_envoy_extensions_filters_listener_original_dst_v3_original_dst } from '../../generated/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js';
import { file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector } from '../../generated/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy } from '../../generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { file_envoy_extensions_retry_host_previous_hosts_v3_previous_hosts } from '../../generated/envoy/extensions/retry/host/previous_hosts/v3/previous_hosts_pb.js';
import { file_envoy_extensions_transport_sockets_raw_buffer_v3_raw_buffer } from '../../generated/envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_secret } from '../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { file_envoy_extensions_transport_sockets_tls_v3_tls } from '../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from '../../generated/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { file_envoy_service_discovery_v3_ads } from '../../generated/envoy/service/discovery/v3/ads_pb.js';
import { file_envoy_service_secret_v3_sds } from '../../generated/envoy/service/secret/v3/sds_pb.js';
import { file_google_rpc_status } from '../../generated/google/rpc/status_pb.js';
import { file_istio_stats_config } from '../filters/http/istio-stats/plugin-config.js';

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** xDS resource type URLs, in the order Envoy applies them (clusters warm before listeners use them). */
export const TypeUrl = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

const rootFiles: DescFile[] = [
  file_envoy_config_bootstrap_v3_bootstrap,
  file_envoy_config_listener_v3_listener,
  file_envoy_config_route_v3_route,
  file_envoy_config_cluster_v3_cluster,
  file_envoy_config_endpoint_v3_endpoint,
  file_envoy_service_discovery_v3_ads,
  file_envoy_service_secret_v3_sds,
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy,
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_filters_http_fault_v3_fault,
  file_envoy_extensions_filters_http_rbac_v3_rbac,
  file_envoy_extensions_filters_http_jwt_authn_v3_config,
  file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit,
  file_envoy_extensions_filters_http_cors_v3_cors,
  file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector,
  file_envoy_extensions_filters_listener_http_inspector_v3_http_inspector,
  file_envoy_extensions_filters_listener_original_dst_v3_original_dst,
  file_envoy_extensions_transport_sockets_tls_v3_tls,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_extensions_access_loggers_file_v3_file,
  file_envoy_extensions_access_loggers_stream_v3_stream,
  file_envoy_extensions_retry_host_previous_hosts_v3_previous_hosts,
  file_envoy_extensions_transport_sockets_raw_buffer_v3_raw_buffer,
  file_google_rpc_status,
  // Istio's stats.PluginConfig (the istio.stats filter), described in code: no Istio .proto is a dependency.
  file_istio_stats_config,
];

function withDependencies(files: DescFile[]): DescFile[] {
  const seen = new Set<DescFile>();
  const visit = (f: DescFile): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const dep of f.dependencies) visit(dep);
  };
  for (const f of files) visit(f);
  return [...seen];
}

/** Every message and enum of the generated files and their imports (well-known types included). */
export const envoyRegistry: Registry = createRegistry(...withDependencies(rootFiles));

/** `type.googleapis.com/a.b.C` → `a.b.C` (any host prefix is accepted, as Envoy does). */
export function typeNameOfUrl(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf('/');
  return slash >= 0 ? typeUrl.slice(slash + 1) : typeUrl;
}
