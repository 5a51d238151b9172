// Mesh-wide settings the translator reads: root namespace, DNS domain, trust domain, outbound traffic policy,
// automatic mutual TLS.

export interface MeshSettings {
  /** Config in this namespace applies to every namespace (Istio's root namespace). */
  rootNamespace: string;
  /** DNS suffix of service hostnames: `<name>.<ns>.svc.<domain>`. */
  domain: string;
  /** SPIFFE trust domain of workload identities. */
  trustDomain: string;
  /** ALLOW_ANY sends unknown hosts to PassthroughCluster; REGISTRY_ONLY to BlackHoleCluster. */
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** Istio's enableAutoMtls: clients originate Istio mTLS to endpoints that have a sidecar (default true). */
  enableAutoMtls: boolean;
  /**
   * Trellis's switch for mesh mTLS as a whole: auto mTLS on clusters and PeerAuthentication's TLS chains on
   * inbound listeners. Off: every port is plain text (explicit DestinationRule tls still applies).
   */
  meshMtls: boolean;
}

/**
 * Default of `meshMtls` for a snapshot on its own: off. The control plane turns it on when it runs a CA
 * (its proxies then have certificates); without one, mTLS listeners would wait for secrets forever.
 */
export const MESH_MTLS_DEFAULT = false;

export const DEFAULT_MESH: Readonly<MeshSettings> = Object.freeze({
  rootNamespace: 'istio-system',
  domain: 'cluster.local',
  trustDomain: 'cluster.local',
  outboundTrafficPolicy: 'ALLOW_ANY',
  enableAutoMtls: true,
  meshMtls: MESH_MTLS_DEFAULT,
});

export function meshSettings(overrides: Partial<MeshSettings> = {}): MeshSettings {
  return { ...DEFAULT_MESH, ...overrides };
}
