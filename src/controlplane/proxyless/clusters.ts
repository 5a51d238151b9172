// CDS for proxyless gRPC: the requested `outbound|<port>|<subset>|<fqdn>` clusters, each EDS over ADS (or
// LOGICAL_DNS for DNS-resolved services: gRPC takes only IP addresses in EDS) with the DestinationRule's
// effective policy as far as gRPC implements it (round robin, or ring hash for consistentHash; the HTTP/2
// request limit as its one circuit breaker, and mTLS when the DestinationRule says ISTIO_MUTUAL). Like Istio's
// gRPC generator, no connection-level settings (gRPC manages its own connections) and no auto mTLS: gRPC cannot
// offer Istio's ALPN to a PERMISSIVE sidecar, nor can the control plane tell whether a client uses xDS
// credentials, so only an explicit ISTIO_MUTUAL turns it on.
import { create } from '@bufbuild/protobuf';
import {
  CircuitBreakers_ThresholdsSchema,
  CircuitBreakersSchema,
} from '../../generated/envoy/config/cluster/v3/circuit_breaker_pb.js';
import {
  type Cluster,
  Cluster_DiscoveryType,
  Cluster_EdsClusterConfigSchema,
  Cluster_LbPolicy,
  Cluster_RingHashLbConfigSchema,
  ClusterSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { DEFAULT_RING_SIZE } from '../translate/cluster/lb.js';
import { effectivePolicy, type PolicyParts } from '../translate/cluster/policy.js';
import type { TranslateContext } from '../translate/context.js';
import { loadAssignment } from '../translate/endpoint/eds.js';
import { staticLoadAssignment } from '../translate/endpoint/static.js';
import { adsConfigSource } from '../translate/pb.js';
import { serviceIdentities } from '../translate/security/identity.js';
import { firstSocketAddress } from './endpoints.js';
import { resolveClusterName } from './names.js';
import { grpcUpstreamMtls } from './tls.js';

/** gRPC's largest ring (grpc-js NACKs a larger minimum_ring_size). */
const MAX_RING_SIZE = 8_388_608;

/**
 * gRPC accepts ROUND_ROBIN and RING_HASH only: LEAST_REQUEST, RANDOM and Istio's default (LEAST_REQUEST)
 * become round robin rather than a config the client would reject.
 */
function applyGrpcLoadBalancer(cluster: Cluster, policy: PolicyParts): void {
  const ch = policy.loadBalancer?.consistentHash;
  if (!ch) {
    cluster.lbPolicy = Cluster_LbPolicy.ROUND_ROBIN;
    return;
  }
  const size = ch.ringHash?.minimumRingSize || ch.minimumRingSize || DEFAULT_RING_SIZE;
  cluster.lbPolicy = Cluster_LbPolicy.RING_HASH;
  cluster.lbConfig = {
    case: 'ringHashLbConfig',
    value: create(Cluster_RingHashLbConfigSchema, { minimumRingSize: BigInt(Math.min(size, MAX_RING_SIZE)) }),
  };
}

/** The cluster for one name, or undefined when it is not a visible service port or a defined subset. */
export function grpcCluster(ctx: TranslateContext, name: string): Cluster | undefined {
  const target = resolveClusterName(ctx, name);
  if (!target) return undefined;
  const dr = ctx.destinationRule(target.service.hostname)?.spec;
  const subset = target.subset === '' ? undefined : dr?.subsets?.find((s) => s.name === target.subset);
  if (target.subset !== '' && !subset) return undefined;
  const policy = effectivePolicy(dr, target.port, subset);
  const cluster =
    target.service.resolution === 'DNS'
      ? logicalDnsCluster(ctx, name, target.service.hostname, target.port)
      : create(ClusterSchema, {
          name,
          altStatName: name,
          clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
          edsClusterConfig: create(Cluster_EdsClusterConfigSchema, {
            serviceName: name,
            edsConfig: adsConfigSource(),
          }),
        });
  applyGrpcLoadBalancer(cluster, policy);
  const maxRequests = policy.connectionPool?.http?.http2MaxRequests;
  if (maxRequests !== undefined && maxRequests > 0) {
    cluster.circuitBreakers = create(CircuitBreakersSchema, {
      thresholds: [create(CircuitBreakers_ThresholdsSchema, { maxRequests })],
    });
  }
  if (policy.tls?.mode === 'ISTIO_MUTUAL')
    cluster.transportSocket = grpcUpstreamMtls(serviceIdentities(ctx.snapshot, target.service));
  return cluster;
}

/**
 * gRPC's LOGICAL_DNS cluster: exactly one host name and port that the client resolves itself — the first
 * endpoint of the cluster (a ServiceEntry endpoint's address, or the service's own host name).
 */
function logicalDnsCluster(ctx: TranslateContext, name: string, hostname: string, port: number): Cluster {
  const first = firstSocketAddress(loadAssignment(ctx, name)) ?? { address: hostname, port };
  return create(ClusterSchema, {
    name,
    altStatName: name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.LOGICAL_DNS },
    loadAssignment: staticLoadAssignment(name, [first]),
  });
}

export function grpcClusters(ctx: TranslateContext, names: readonly string[] | undefined): Cluster[] {
  return [...new Set(names ?? [])].flatMap((n) => grpcCluster(ctx, n) ?? []);
}
