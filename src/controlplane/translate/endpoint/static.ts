// An inline load assignment (one locality, the given addresses): what STATIC, STRICT_DNS and LOGICAL_DNS
// clusters carry instead of EDS.
import { create } from '@bufbuild/protobuf';
import type { Metadata } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  EndpointSchema,
  LbEndpointSchema,
  LocalityLbEndpointsSchema,
} from '../../../generated/envoy/config/endpoint/v3/endpoint_components_pb.js';
import {
  type ClusterLoadAssignment,
  ClusterLoadAssignmentSchema,
} from '../../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { socketAddress } from '../pb.js';

export interface StaticTarget {
  address: string;
  port: number;
  /** Endpoint metadata (e.g. auto mTLS's tlsMode). */
  metadata?: Metadata;
}

export function staticLoadAssignment(
  clusterName: string,
  targets: readonly StaticTarget[],
): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [
      create(LocalityLbEndpointsSchema, {
        lbEndpoints: targets.map((t) =>
          create(LbEndpointSchema, {
            hostIdentifier: {
              case: 'endpoint',
              value: create(EndpointSchema, { address: socketAddress(t.address, t.port) }),
            },
            ...(t.metadata ? { metadata: t.metadata } : {}),
          }),
        ),
      }),
    ],
  });
}
