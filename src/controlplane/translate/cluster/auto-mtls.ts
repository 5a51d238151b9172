// Istio's automatic mutual TLS on outbound clusters: with no DestinationRule tls, the client originates Istio
// mTLS to endpoints that carry a sidecar (EDS metadata tlsMode=istio) and plain text to the rest, through
// Envoy transport_socket_matches; a user tls setting is applied as is.
import { create } from '@bufbuild/protobuf';
import type { ClientTLSSettings } from '../../../api/index.js';
import {
  type Cluster,
  Cluster_DiscoveryType,
  Cluster_TransportSocketMatchSchema,
} from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { type Metadata, MetadataSchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import type { MtlsMode } from '../security/peer-authn.js';
import { istioMutualTls, rawBufferTransportSocket, type UpstreamTlsInputs, upstreamTls } from './tls.js';

/** Endpoint metadata namespace Envoy matches transport_socket_matches against. */
export const TRANSPORT_SOCKET_MATCH = 'envoy.transport_socket_match';
/** Istio's endpoint label short name and its value for endpoints with a sidecar. */
export const TLS_MODE_KEY = 'tlsMode';
export const TLS_MODE_ISTIO = 'istio';

/** Endpoint metadata `envoy.transport_socket_match: {tlsMode: istio}` of an endpoint with a sidecar. */
export function tlsModeMetadata(): Metadata {
  return create(MetadataSchema, {
    filterMetadata: { [TRANSPORT_SOCKET_MATCH]: { [TLS_MODE_KEY]: TLS_MODE_ISTIO } },
  });
}

/** What auto mTLS decides from, besides the DestinationRule setting. */
export interface AutoMtlsInputs extends UpstreamTlsInputs {
  /** The mesh's enableAutoMtls. */
  enabled: boolean;
  /** ServiceEntry MESH_EXTERNAL: no sidecar on the other side, never auto mTLS. */
  meshExternal: boolean;
  /**
   * Istio's best-effort guess of the server's mode: the destination namespace's (or the mesh's)
   * PeerAuthentication; DISABLE makes the client send plain text.
   */
  serverMode: MtlsMode;
}

/**
 * Istio's guess of a destination's mode for a passthrough cluster (no endpoints known to the client): mTLS only
 * when every instance has a sidecar, else DISABLE; other clusters take the namespace mode.
 */
export function serverModeHint(
  namespaceMode: MtlsMode,
  passthrough: boolean,
  instances: readonly { tlsMode?: string }[],
): MtlsMode {
  if (passthrough && (instances.length === 0 || instances.some((i) => i.tlsMode !== TLS_MODE_ISTIO)))
    return 'DISABLE';
  return namespaceMode;
}

/** Sets the cluster's transport_socket or transport_socket_matches. */
export function applyClusterTls(
  cluster: Cluster,
  tls: ClientTLSSettings | undefined,
  inputs: AutoMtlsInputs,
): void {
  if (tls?.mode) {
    const socket = upstreamTls(tls, inputs);
    if (socket) cluster.transportSocket = socket;
    return;
  }
  if (!inputs.enabled || inputs.meshExternal || inputs.serverMode === 'DISABLE') return;
  const mtls = istioMutualTls(inputs.identities, inputs.istioSni, inputs.http2);
  const originalDst =
    cluster.clusterDiscoveryType.case === 'type' &&
    cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.ORIGINAL_DST;
  // Passthrough clusters have no endpoint metadata to match on: every instance has a sidecar (see
  // serverModeHint), so they get mTLS outright, as in Istio.
  if (originalDst) {
    cluster.transportSocket = mtls;
    return;
  }
  cluster.transportSocketMatches = [
    create(Cluster_TransportSocketMatchSchema, {
      name: `${TLS_MODE_KEY}-${TLS_MODE_ISTIO}`,
      match: { [TLS_MODE_KEY]: TLS_MODE_ISTIO },
      transportSocket: mtls,
    }),
    create(Cluster_TransportSocketMatchSchema, {
      name: `${TLS_MODE_KEY}-disabled`,
      match: {},
      transportSocket: rawBufferTransportSocket(),
    }),
  ];
}
