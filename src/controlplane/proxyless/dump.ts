// A proxyless gRPC client's config as proto3 JSON, shaped like the sidecars' config dump: the resources it
// subscribed to (by name, per type), generated from the current snapshot — what /debug/config_dump should
// show for a GENERATOR=grpc node instead of a sidecar's listeners.
import { toJson } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import { envoyRegistry } from '../../proxy/xds-client/registry.js';
import type { TranslateContext } from '../translate/context.js';
import type { ConfigDump } from '../translate/dump.js';
import { TYPE_URLS } from '../translate/generators.js';
import { grpcClusters } from './clusters.js';
import { grpcLoadAssignments } from './endpoints.js';
import { grpcListeners } from './listeners.js';
import { grpcRouteConfigs } from './routes.js';

/** `subscriptions`: type URL → resource names the client subscribed to (AdsServer.subscriptions). */
export function proxylessConfigDump(
  ctx: TranslateContext,
  subscriptions: ReadonlyMap<string, readonly string[]>,
): ConfigDump {
  const names = (typeUrl: string) => subscriptions.get(typeUrl) ?? [];
  const opts = { registry: envoyRegistry, useProtoFieldName: true };
  return {
    listeners: grpcListeners(ctx, names(TYPE_URLS.listener)).map((m) => toJson(ListenerSchema, m, opts)),
    clusters: grpcClusters(ctx, names(TYPE_URLS.cluster)).map((m) => toJson(ClusterSchema, m, opts)),
    routes: grpcRouteConfigs(ctx, names(TYPE_URLS.route)).map((m) =>
      toJson(RouteConfigurationSchema, m, opts),
    ),
    endpoints: grpcLoadAssignments(ctx, names(TYPE_URLS.endpoint)).map((m) =>
      toJson(ClusterLoadAssignmentSchema, m, opts),
    ),
  };
}
