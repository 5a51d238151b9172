// Inbound clusters `inbound|<port>||`: a static cluster per served port pointing at the application, with
// Istio's `istio.services` metadata naming the services served there (the metrics' destination_service).
import { create } from '@bufbuild/protobuf';
import {
  type Cluster,
  Cluster_DiscoveryType,
  ClusterSchema,
} from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { MetadataSchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import { staticLoadAssignment } from '../endpoint/static.js';
import type { InboundPort } from '../inbound-ports.js';
import { inboundClusterName } from '../names.js';
import { durationOf } from '../pb.js';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './pool.js';
import { applyUpstreamProtocol } from './protocol.js';

export function inboundCluster(port: InboundPort): Cluster {
  const name = inboundClusterName(port.servicePort);
  const cluster = create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STATIC },
    connectTimeout: durationOf(DEFAULT_CONNECT_TIMEOUT_MS),
    loadAssignment: staticLoadAssignment(name, [{ address: port.appAddress, port: port.appPort }]),
  });
  applyUpstreamProtocol(cluster, port.protocol, undefined, undefined);
  if (port.services.length > 0)
    cluster.metadata = create(MetadataSchema, {
      filterMetadata: { istio: { services: port.services.map((s) => ({ ...s })) } },
    });
  return cluster;
}
