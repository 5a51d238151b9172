// A proxy's generated config as proto3 JSON (Envoy field names), the way `istioctl proxy-config` reads it:
// listeners, clusters, the route configs the listeners reference and the endpoints of EDS clusters.
import { type JsonValue, toJson } from '@bufbuild/protobuf';
import { ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import { envoyRegistry } from '../../proxy/xds-client/registry.js';
import type { TranslateContext } from './context.js';
import { translateAll } from './generators.js';

export interface ConfigDump {
  listeners: JsonValue[];
  clusters: JsonValue[];
  routes: JsonValue[];
  endpoints: JsonValue[];
}

export function configDump(ctx: TranslateContext): ConfigDump {
  const all = translateAll(ctx);
  const opts = { registry: envoyRegistry, useProtoFieldName: true };
  return {
    listeners: all.listeners.map((m) => toJson(ListenerSchema, m, opts)),
    clusters: all.clusters.map((m) => toJson(ClusterSchema, m, opts)),
    routes: all.routes.map((m) => toJson(RouteConfigurationSchema, m, opts)),
    endpoints: all.endpoints.map((m) => toJson(ClusterLoadAssignmentSchema, m, opts)),
  };
}
