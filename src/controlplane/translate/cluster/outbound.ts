// Outbound clusters of one service: `outbound|<port>||<host>` per port plus one per DestinationRule subset,
// each with the effective traffic policy (lb, pool, outlier detection, TLS, protocol).
import { create } from '@bufbuild/protobuf';
import type { DestinationRuleSpec, Subset } from '../../../api/index.js';
import {
  type Cluster,
  Cluster_CommonLbConfigSchema,
  Cluster_DiscoveryType,
  Cluster_EdsClusterConfigSchema,
  Cluster_LbPolicy,
  ClusterSchema,
} from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { MetadataSchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  EndpointSchema,
  LbEndpointSchema,
  LocalityLbEndpointsSchema,
} from '../../../generated/envoy/config/endpoint/v3/endpoint_components_pb.js';
import { ClusterLoadAssignmentSchema } from '../../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { PercentSchema } from '../../../generated/envoy/type/v3/percent_pb.js';
import type { Service, ServicePort } from '../../model/service.js';
import { outboundClusterName } from '../names.js';
import { adsConfigSource, socketAddress } from '../pb.js';
import { applyLoadBalancer, isPassthrough } from './lb.js';
import { outlierDetection } from './outlier.js';
import { effectivePolicy } from './policy.js';
import { applyConnectionPool, poolIdleTimeoutMs } from './pool.js';
import { applyUpstreamProtocol } from './protocol.js';
import { upstreamTls } from './tls.js';

/** Endpoints of a DNS-resolved service port (ServiceEntry endpoints), as `address:port` pairs. */
export type DnsEndpoints = (port: number) => readonly { address: string; port: number }[];

/** Every outbound cluster of `service` under its DestinationRule (if any). */
export function outboundClusters(
  service: Service,
  dr: DestinationRuleSpec | undefined,
  dns?: DnsEndpoints,
): Cluster[] {
  const out: Cluster[] = [];
  for (const port of service.ports) {
    out.push(outboundCluster(service, port, dr, undefined, dns));
    for (const subset of dr?.subsets ?? []) out.push(outboundCluster(service, port, dr, subset, dns));
  }
  return out;
}

export function outboundCluster(
  service: Service,
  port: ServicePort,
  dr: DestinationRuleSpec | undefined,
  subset: Subset | undefined,
  dns?: DnsEndpoints,
): Cluster {
  const name = outboundClusterName(port.port, subset?.name ?? '', service.hostname);
  const policy = effectivePolicy(dr, port.port, subset);
  const cluster = create(ClusterSchema, { name });
  if (isPassthrough(policy.loadBalancer) || service.resolution === 'PASSTHROUGH') {
    cluster.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST };
    cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
  } else if (service.resolution === 'DNS') {
    cluster.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.STRICT_DNS };
    applyLoadBalancer(cluster, policy.loadBalancer);
    // STRICT_DNS resolves each endpoint name; a ServiceEntry without endpoints resolves its own host.
    const given = dns?.(port.port) ?? [];
    const targets =
      given.length > 0 ? given : [{ address: service.hostname, port: port.targetPort ?? port.port }];
    cluster.loadAssignment = create(ClusterLoadAssignmentSchema, {
      clusterName: name,
      endpoints: [
        create(LocalityLbEndpointsSchema, {
          lbEndpoints: targets.map((t) =>
            create(LbEndpointSchema, {
              hostIdentifier: {
                case: 'endpoint',
                value: create(EndpointSchema, { address: socketAddress(t.address, t.port) }),
              },
            }),
          ),
        }),
      ],
    });
  } else {
    cluster.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.EDS };
    cluster.edsClusterConfig = create(Cluster_EdsClusterConfigSchema, {
      edsConfig: adsConfigSource(),
      serviceName: name,
    });
    applyLoadBalancer(cluster, policy.loadBalancer);
  }
  applyConnectionPool(cluster, policy.connectionPool);
  applyUpstreamProtocol(
    cluster,
    port.protocol,
    policy.connectionPool,
    poolIdleTimeoutMs(policy.connectionPool),
  );
  if (policy.outlierDetection) {
    cluster.outlierDetection = outlierDetection(policy.outlierDetection);
    const minHealth = policy.outlierDetection.minHealthPercent;
    if (minHealth !== undefined) {
      cluster.commonLbConfig ??= create(Cluster_CommonLbConfigSchema, {});
      cluster.commonLbConfig.healthyPanicThreshold = create(PercentSchema, { value: minHealth });
    }
  }
  const tls = upstreamTls(policy.tls, service.hostname);
  if (tls) cluster.transportSocket = tls;
  cluster.metadata = create(MetadataSchema, {
    filterMetadata: {
      istio: {
        services: [{ host: service.hostname, name: service.name, namespace: service.namespace }],
        ...(subset ? { subset: subset.name } : {}),
        default_original_port: port.port,
      },
    },
  });
  return cluster;
}
