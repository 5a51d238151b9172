// The proxy's Envoy Node: built from Istio-style workload identity, and turned into the proto Node sent on
// the first discovery request of every ADS stream.
import { create, type JsonObject } from '@bufbuild/protobuf';
import { LocalitySchema, type Node, NodeSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import type { NodeIdentity } from '../config/bootstrap.js';

export interface WorkloadIdentity {
  /** sidecar (default) or router (gateways), as in Istio's node ids. */
  proxyType?: 'sidecar' | 'router';
  ip: string;
  workload: string;
  namespace: string;
  serviceAccount: string;
  labels: Record<string, string>;
  /** Envoy's node.cluster: the service the proxy fronts, e.g. `reviews.default`. */
  cluster?: string;
  /** DNS domain of the namespace (default `<namespace>.svc.cluster.local`). */
  dnsDomain?: string;
  locality?: NodeIdentity['locality'];
}

/** Istio's node id `sidecar~10.1.0.5~reviews-v1.default~default.svc.cluster.local` and its metadata keys. */
export function nodeIdentityFor(w: WorkloadIdentity): NodeIdentity {
  const domain = w.dnsDomain ?? `${w.namespace}.svc.cluster.local`;
  const node: NodeIdentity = {
    id: `${w.proxyType ?? 'sidecar'}~${w.ip}~${w.workload}.${w.namespace}~${domain}`,
    cluster: w.cluster ?? `${w.labels.app ?? w.workload}.${w.namespace}`,
    metadata: {
      NAMESPACE: w.namespace,
      WORKLOAD_NAME: w.workload,
      SERVICE_ACCOUNT: w.serviceAccount,
      LABELS: { ...w.labels },
      INSTANCE_IPS: w.ip,
    },
  };
  if (w.locality) node.locality = w.locality;
  return node;
}

/** The proto Node sent to the management server. */
export function toNodeMessage(n: NodeIdentity, userAgentVersion = ''): Node {
  const node = create(NodeSchema, {
    id: n.id,
    cluster: n.cluster,
    // Round-trip through JSON: metadata must be a plain JSON object to become a google.protobuf.Struct.
    metadata: JSON.parse(JSON.stringify(n.metadata ?? {})) as JsonObject,
    userAgentName: 'trellis',
    userAgentVersionType: { case: 'userAgentVersion', value: userAgentVersion },
  });
  if (n.locality) node.locality = create(LocalitySchema, n.locality);
  return node;
}
