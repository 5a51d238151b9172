// ClusterLoadAssignment of an outbound cluster: the instances of host:port, filtered by the subset's labels,
// grouped by locality, with failover priorities or distribute weights from the DestinationRule; endpoints
// with a sidecar carry `envoy.transport_socket_match: {tlsMode: istio}` for auto mTLS.
import { create } from '@bufbuild/protobuf';
import { labelsMatch } from '../../../api/labels.js';
import { LocalitySchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import { HealthStatus } from '../../../generated/envoy/config/core/v3/health_check_pb.js';
import {
  EndpointSchema,
  type LbEndpoint,
  LbEndpointSchema,
  LocalityLbEndpointsSchema,
} from '../../../generated/envoy/config/endpoint/v3/endpoint_components_pb.js';
import {
  type ClusterLoadAssignment,
  ClusterLoadAssignmentSchema,
} from '../../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import type { WorkloadInstance } from '../../model/service.js';
import { TLS_MODE_ISTIO, tlsModeMetadata } from '../cluster/auto-mtls.js';
import { effectivePolicy } from '../cluster/policy.js';
import type { TranslateContext } from '../context.js';
import { parseClusterName } from '../names.js';
import { socketAddress } from '../pb.js';
import { distributeWeight, failoverPriority, labelPriority, splitLocality } from './locality.js';

/** Shared by every endpoint with a sidecar (messages are only read after translation). */
const ISTIO_TLS_MODE = tlsModeMetadata();

/** The assignment for `clusterName` (an `outbound|…` name), or undefined when the name is not one. */
export function loadAssignment(
  ctx: TranslateContext,
  clusterName: string,
): ClusterLoadAssignment | undefined {
  const parsed = parseClusterName(clusterName);
  if (parsed?.direction !== 'outbound') return undefined;
  const dr = ctx.destinationRule(parsed.host)?.spec;
  let instances: readonly WorkloadInstance[] = ctx.snapshot.instancesOf(parsed.host, parsed.port);
  const subset = parsed.subset === '' ? undefined : dr?.subsets?.find((s) => s.name === parsed.subset);
  if (parsed.subset !== '') {
    // A subset the DestinationRule does not define selects nothing (Envoy then answers 503 UH).
    const labels = subset?.labels;
    instances = subset ? instances.filter((i) => labelsMatch(labels ?? {}, i.labels)) : [];
  }
  const policy = effectivePolicy(dr, parsed.port, subset);
  const lb = policy.loadBalancer;
  const localityOn = lb?.localityLbSetting?.enabled !== false;
  // Istio turns failover on only with outlier detection (ejections are what move traffic between priorities).
  const failoverOn = localityOn && policy.outlierDetection !== undefined;
  const byLabels = failoverOn ? (lb?.localityLbSetting?.failoverPriority ?? []) : [];
  const failover = failoverOn && byLabels.length === 0 && ctx.proxy.locality !== '';
  const priorityOf = (inst: WorkloadInstance): number => {
    if (byLabels.length > 0) return labelPriority(byLabels, ctx.proxy.labels, inst.labels);
    if (failover)
      return failoverPriority(ctx.proxy.locality, inst.locality ?? '', lb?.localityLbSetting?.failover);
    return 0;
  };
  const groups = new Map<string, LbEndpoint[]>();
  for (const inst of instances) {
    // One group per locality and priority (label-based priorities can split a locality).
    const locality = `${inst.locality ?? ''}|${priorityOf(inst)}`;
    const endpoint = create(LbEndpointSchema, {
      hostIdentifier: {
        case: 'endpoint',
        value: create(EndpointSchema, { address: socketAddress(inst.address, inst.port) }),
      },
      healthStatus: inst.healthy === false ? HealthStatus.UNHEALTHY : HealthStatus.HEALTHY,
      loadBalancingWeight: inst.weight ?? 1,
      // Only the transport socket match: peers learn each other's labels through peer metadata exchange,
      // and a full Struct of labels per endpoint would double the cost of encoding endpoints.
      ...(inst.tlsMode === TLS_MODE_ISTIO ? { metadata: ISTIO_TLS_MODE } : {}),
    });
    const list = groups.get(locality);
    if (list) list.push(endpoint);
    else groups.set(locality, [endpoint]);
  }
  const localities = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, lbEndpoints]) => {
      const bar = key.lastIndexOf('|');
      const locality = key.slice(0, bar);
      const [region, zone, subZone] = splitLocality(locality);
      const group = create(LocalityLbEndpointsSchema, {
        locality: create(LocalitySchema, { region, zone, subZone }),
        lbEndpoints,
        priority: Number(key.slice(bar + 1)),
      });
      const weight = localityOn ? distributeWeight(lb, ctx.proxy.locality, locality) : undefined;
      if (weight !== undefined) group.loadBalancingWeight = weight;
      else if (lb?.localityLbSetting?.distribute?.length) group.loadBalancingWeight = 1;
      return group;
    })
    .filter((g) => g.loadBalancingWeight !== 0);
  compactPriorities(localities);
  return create(ClusterLoadAssignmentSchema, { clusterName, endpoints: localities });
}

/** Envoy requires priorities to be contiguous from 0: renumber the ones in use. */
function compactPriorities(groups: { priority: number }[]): void {
  const used = [...new Set(groups.map((g) => g.priority))].sort((a, b) => a - b);
  for (const g of groups) g.priority = used.indexOf(g.priority);
}

/** The cache key of an endpoint set: the cluster, its DestinationRule and what of the caller it depends on. */
export function edsCacheKey(
  ctx: TranslateContext,
  clusterName: string,
  drKey: string,
  usesLabels: boolean,
): string {
  return `eds|${clusterName}|${drKey}|${ctx.proxy.locality}|${usesLabels ? JSON.stringify(ctx.proxy.labels) : ''}`;
}
