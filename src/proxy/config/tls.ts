// TLS settings for downstream (listener) and upstream (cluster) sides, decoded from Envoy's TLS contexts.
// Certificates may be inline PEM, file paths, or an SDS secret name resolved by the secret store.

export type CertificateSource =
  | { kind: 'inline'; certificateChain: string; privateKey: string }
  | { kind: 'sds'; name: string };

export type ValidationSource =
  | { kind: 'inline'; trustedCa: string; matchSubjectAltNames: SanMatch[] }
  | { kind: 'sds'; name: string; matchSubjectAltNames: SanMatch[] };

export interface SanMatch {
  /** URI, DNS, EMAIL or IP_ADDRESS SAN type; URI for SPIFFE identities. */
  sanType: 'URI' | 'DNS' | 'EMAIL' | 'IP_ADDRESS';
  kind: 'exact' | 'prefix' | 'suffix' | 'regex' | 'contains';
  value: string;
}

export interface CommonTlsContext {
  certificates: CertificateSource[];
  validation?: ValidationSource;
  alpnProtocols: string[];
  minVersion?: 'TLSv1_2' | 'TLSv1_3';
  maxVersion?: 'TLSv1_2' | 'TLSv1_3';
}

export interface DownstreamTlsContext {
  common: CommonTlsContext;
  requireClientCertificate: boolean;
}

export interface UpstreamTlsContext {
  common: CommonTlsContext;
  sni?: string;
}
