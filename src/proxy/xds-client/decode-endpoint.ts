// Decodes Envoy's ClusterLoadAssignment (localities, priorities, endpoints with health and weight) into the
// cluster manager's form.
import { isIP } from 'node:net';
import { childPath, type Result } from '../../common/result.js';
import { LocalitySchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import { HealthStatusSchema } from '../../generated/envoy/config/core/v3/health_check_pb.js';
import {
  EndpointSchema,
  type LbEndpoint,
  LbEndpointSchema,
  LocalityLbEndpointsSchema,
} from '../../generated/envoy/config/endpoint/v3/endpoint_components_pb.js';
import {
  type ClusterLoadAssignment,
  ClusterLoadAssignment_PolicySchema,
  ClusterLoadAssignmentSchema,
} from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import type {
  ClusterLoadAssignment as DomainClusterLoadAssignment,
  LbEndpoint as DomainLbEndpoint,
  LocalityLbEndpoints,
} from '../config/cluster.js';
import { decodeAddress, decodeMetadata } from './decode-common.js';
import { DecodeContext, type DecodeOptions, supportedEnum } from './decode-context.js';

/** Envoy's overprovisioning factor (percent): a priority serves until its healthy share falls below 1/1.4. */
export const DEFAULT_OVERPROVISIONING_FACTOR = 140;

function decodeLbEndpoint(ctx: DecodeContext, e: LbEndpoint, path: string): DomainLbEndpoint {
  ctx.onlyFields(LbEndpointSchema, e, path, [
    'endpoint',
    'health_status',
    'metadata',
    'load_balancing_weight',
  ]);
  const ep = childPath(path, 'endpoint');
  if (e.hostIdentifier.case !== 'endpoint') {
    ctx.error(
      e.hostIdentifier.case === 'endpointName' ? childPath(path, 'endpoint_name') : ep,
      e.hostIdentifier.case ? 'not supported by Trellis' : 'required',
    );
    return { address: { host: '', port: 0 }, healthStatus: 'UNKNOWN', weight: 1, metadata: {} };
  }
  const endpoint = e.hostIdentifier.value;
  ctx.onlyFields(EndpointSchema, endpoint, ep, ['address', 'hostname']);
  const weight = e.loadBalancingWeight ?? 1;
  if (weight < 1) ctx.error(childPath(path, 'load_balancing_weight'), 'must be at least 1');
  const out: DomainLbEndpoint = {
    address: decodeAddress(ctx, endpoint.address, childPath(ep, 'address')),
    healthStatus: supportedEnum(
      ctx,
      HealthStatusSchema,
      e.healthStatus,
      childPath(path, 'health_status'),
      ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'],
      'UNKNOWN',
    ),
    weight,
    metadata: decodeMetadata(ctx, e.metadata, childPath(path, 'metadata')),
  };
  if (endpoint.hostname !== '') out.hostname = endpoint.hostname;
  return out;
}

export function decodeClusterLoadAssignmentInto(
  ctx: DecodeContext,
  cla: ClusterLoadAssignment,
  path: string,
): DomainClusterLoadAssignment {
  ctx.onlyFields(ClusterLoadAssignmentSchema, cla, path, ['cluster_name', 'endpoints', 'policy']);
  let overprovisioningFactor = DEFAULT_OVERPROVISIONING_FACTOR;
  if (cla.policy !== undefined) {
    const pp = childPath(path, 'policy');
    ctx.onlyFields(ClusterLoadAssignment_PolicySchema, cla.policy, pp, ['overprovisioning_factor']);
    overprovisioningFactor = cla.policy.overprovisioningFactor ?? DEFAULT_OVERPROVISIONING_FACTOR;
    if (overprovisioningFactor < 1) ctx.error(childPath(pp, 'overprovisioning_factor'), 'must be at least 1');
  }
  const localities = cla.endpoints.map((l, i): LocalityLbEndpoints => {
    const lp = childPath(childPath(path, 'endpoints'), i);
    // metadata is informational here.
    ctx.onlyFields(LocalityLbEndpointsSchema, l, lp, [
      'locality',
      'metadata',
      'lb_endpoints',
      'load_balancing_weight',
      'priority',
    ]);
    if (l.locality !== undefined)
      ctx.onlyFields(LocalitySchema, l.locality, childPath(lp, 'locality'), ['region', 'zone', 'sub_zone']);
    const out: LocalityLbEndpoints = {
      locality: {
        region: l.locality?.region ?? '',
        zone: l.locality?.zone ?? '',
        subZone: l.locality?.subZone ?? '',
      },
      priority: l.priority,
      endpoints: l.lbEndpoints.map((e, j) =>
        decodeLbEndpoint(ctx, e, childPath(childPath(lp, 'lb_endpoints'), j)),
      ),
    };
    if (l.loadBalancingWeight !== undefined) {
      if (l.loadBalancingWeight < 1) ctx.error(childPath(lp, 'load_balancing_weight'), 'must be at least 1');
      out.weight = l.loadBalancingWeight;
    }
    return out;
  });
  // Envoy requires priorities to be contiguous from 0.
  const priorities = [...new Set(localities.map((l) => l.priority))].sort((a, b) => a - b);
  priorities.forEach((p, i) => {
    if (p !== i)
      ctx.error(childPath(path, 'endpoints'), `priorities must be contiguous from 0 (missing ${i})`);
  });
  return { clusterName: cla.clusterName, localities, overprovisioningFactor };
}

/** Decodes one EDS resource. */
export function decodeClusterLoadAssignment(
  cla: ClusterLoadAssignment,
  options?: DecodeOptions,
): Result<DomainClusterLoadAssignment> {
  const ctx = new DecodeContext(options);
  if (cla.clusterName === '') ctx.error('cluster_name', 'required');
  const value = decodeClusterLoadAssignmentInto(ctx, cla, '');
  // EDS endpoints are addresses, not names to resolve (DNS clusters carry names in their own load_assignment).
  value.localities.forEach((l, i) => {
    l.endpoints.forEach((e, j) => {
      if (e.address.host !== '' && isIP(e.address.host) === 0) {
        const p = `endpoints[${i}].lb_endpoints[${j}].endpoint.address.socket_address.address`;
        ctx.error(p, `"${e.address.host}" is not an IP address`);
      }
    });
  });
  return ctx.result(value);
}
