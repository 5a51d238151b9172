// The generator table for proxyless gRPC clients (Istio's `grpc` generator), the same shape as the
// sidecars' table so the ADS server picks one per connection: only named resources, never wildcards.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import { type Generator, type NamedResource, TYPE_URLS } from '../translate/generators.js';
import { grpcClusters } from './clusters.js';
import { grpcLoadAssignments } from './endpoints.js';
import { grpcListeners } from './listeners.js';
import { grpcRouteConfigs } from './routes.js';

function packed<D extends DescMessage>(
  schema: D,
  items: MessageShape<D>[],
  nameOf: (m: MessageShape<D>) => string,
): NamedResource[] {
  return items.map((m) => ({ name: nameOf(m), resource: anyPack(schema, m) }));
}

export const PROXYLESS_GENERATORS: Readonly<Record<string, Generator>> = {
  [TYPE_URLS.listener]: (ctx, names) => packed(ListenerSchema, grpcListeners(ctx, names), (l) => l.name),
  [TYPE_URLS.route]: (ctx, names) =>
    packed(RouteConfigurationSchema, grpcRouteConfigs(ctx, names), (r) => r.name),
  [TYPE_URLS.cluster]: (ctx, names) => packed(ClusterSchema, grpcClusters(ctx, names), (c) => c.name),
  [TYPE_URLS.endpoint]: (ctx, names) =>
    packed(ClusterLoadAssignmentSchema, grpcLoadAssignments(ctx, names), (e) => e.clusterName),
};
