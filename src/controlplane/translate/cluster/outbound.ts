// Outbound clusters of one service: `outbound|<port>||<host>` per port plus one per DestinationRule subset,
// each with the effective traffic policy (lb, pool, outlier detection, protocol) and its TLS: the
// DestinationRule's, or Istio's automatic mTLS.
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
import { PercentSchema } from '../../../generated/envoy/type/v3/percent_pb.js';
import type { Service, ServicePort } from '../../model/service.js';
import { staticLoadAssignment } from '../endpoint/static.js';
import { outboundClusterName } from '../names.js';
import { adsConfigSource } from '../pb.js';
import type { MtlsMode } from '../security/peer-authn.js';
import { applyClusterTls, serverModeHint, TLS_MODE_ISTIO, tlsModeMetadata } from './auto-mtls.js';
import { applyLoadBalancer, isPassthrough } from './lb.js';
import { outlierDetection } from './outlier.js';
import { effectivePolicy } from './policy.js';
import { applyConnectionPool, poolIdleTimeoutMs } from './pool.js';
import { applyUpstreamProtocol, usesHttp2 } from './protocol.js';
import { istioSni } from './tls.js';

/** Endpoints of a service port (for DNS services, the names to resolve), with whether they have a sidecar. */
export type DnsEndpoints = (
  port: number,
) => readonly { address: string; port: number; tlsMode?: 'istio' | 'disabled' }[];

/** What the clusters' TLS depends on besides the DestinationRule: the mesh and the destination's identity. */
export interface ClusterSecurity {
  /** The mesh's enableAutoMtls. */
  autoMtls: boolean;
  /** The destination namespace's PeerAuthentication mode (Istio's client-side hint). */
  namespaceMode: MtlsMode;
  /** SPIFFE IDs of the service's workloads. */
  identities: readonly string[];
}

const NO_SECURITY: ClusterSecurity = { autoMtls: false, namespaceMode: 'PERMISSIVE', identities: [] };

/** Every outbound cluster of `service` under its DestinationRule (if any). */
export function outboundClusters(
  service: Service,
  dr: DestinationRuleSpec | undefined,
  dns?: DnsEndpoints,
  security: ClusterSecurity = NO_SECURITY,
  drConfigPath?: string,
): Cluster[] {
  const out: Cluster[] = [];
  for (const port of service.ports) {
    out.push(outboundCluster(service, port, dr, undefined, dns, security, drConfigPath));
    for (const subset of dr?.subsets ?? [])
      out.push(outboundCluster(service, port, dr, subset, dns, security, drConfigPath));
  }
  return out;
}

export function outboundCluster(
  service: Service,
  port: ServicePort,
  dr: DestinationRuleSpec | undefined,
  subset: Subset | undefined,
  dns?: DnsEndpoints,
  security: ClusterSecurity = NO_SECURITY,
  /** The DestinationRule's `istio.config` path (see istioConfigPath), when one applies. */
  drConfigPath?: string,
): Cluster {
  const name = outboundClusterName(port.port, subset?.name ?? '', service.hostname);
  const policy = effectivePolicy(dr, port.port, subset);
  const cluster = create(ClusterSchema, { name });
  const passthrough = isPassthrough(policy.loadBalancer) || service.resolution === 'PASSTHROUGH';
  if (passthrough) {
    cluster.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST };
    cluster.lbPolicy = Cluster_LbPolicy.CLUSTER_PROVIDED;
  } else if (service.resolution === 'DNS') {
    cluster.clusterDiscoveryType = { case: 'type', value: Cluster_DiscoveryType.STRICT_DNS };
    applyLoadBalancer(cluster, policy.loadBalancer);
    // STRICT_DNS resolves each endpoint name; a ServiceEntry without endpoints resolves its own host.
    const given = dns?.(port.port) ?? [];
    const targets: ReturnType<DnsEndpoints> =
      given.length > 0 ? given : [{ address: service.hostname, port: port.targetPort ?? port.port }];
    cluster.loadAssignment = staticLoadAssignment(
      name,
      targets.map((t) => ({
        address: t.address,
        port: t.port,
        ...(t.tlsMode === TLS_MODE_ISTIO ? { metadata: tlsModeMetadata() } : {}),
      })),
    );
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
  const subsetName = subset?.name ?? '';
  applyClusterTls(cluster, policy.tls, {
    host: service.hostname,
    istioSni: istioSni(port.port, subsetName, service.hostname),
    identities: security.identities,
    http2: usesHttp2(port.protocol, policy.connectionPool),
    enabled: security.autoMtls,
    meshExternal: service.meshExternal,
    serverMode: serverModeHint(security.namespaceMode, passthrough, dns?.(port.port) ?? []),
  });
  cluster.metadata = create(MetadataSchema, {
    filterMetadata: {
      istio: {
        services: [{ host: service.hostname, name: service.name, namespace: service.namespace }],
        ...(subset ? { subset: subset.name } : {}),
        default_original_port: port.port,
        ...(drConfigPath ? { config: drConfigPath } : {}),
      },
    },
  });
  return cluster;
}
