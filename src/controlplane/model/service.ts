// The control plane's view of services and workload instances (what the registry feeds into a snapshot).

/** Istio's protocols, chosen from the port name prefix (`http-`, `grpc-`, …) or appProtocol. */
export type Protocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'TCP' | 'TLS' | 'HTTPS' | 'MONGO' | 'REDIS' | 'UNKNOWN';

export interface ServicePort {
  name: string;
  port: number;
  protocol: Protocol;
  /** Port the workload listens on; defaults to `port`. */
  targetPort?: number;
}

export interface Service {
  /** Fully qualified: `reviews.default.svc.cluster.local`, or a ServiceEntry host. */
  hostname: string;
  name: string;
  namespace: string;
  ports: ServicePort[];
  /** Virtual IPs (cluster IPs, ServiceEntry addresses); may be empty. */
  addresses: string[];
  /** Istio exportTo: undefined or ['*'] = every namespace, '.' = own namespace, '~' = none. */
  exportTo?: string[];
  /** How a sidecar finds endpoints: EDS from instances, DNS of the hostname (STRICT_DNS), or passthrough. */
  resolution: 'EDS' | 'DNS' | 'PASSTHROUGH';
  /** True for ServiceEntry hosts outside the mesh. */
  meshExternal: boolean;
  labels?: Record<string, string>;
  /** Identities its endpoints present (ServiceEntry subjectAltNames), added to the SPIFFE IDs of its instances. */
  subjectAltNames?: string[];
}

export interface WorkloadInstance {
  /** The service this instance backs. */
  serviceHostname: string;
  /** Which service port this endpoint serves (the port number of the service). */
  servicePort: number;
  /** Where peers send traffic: for local workloads, their sidecar's inbound address. */
  address: string;
  port: number;
  labels: Record<string, string>;
  namespace: string;
  serviceAccount: string;
  /** `region/zone/subzone`, any part may be empty. */
  locality?: string;
  /** Envoy load_balancing_weight; default 1. */
  weight?: number;
  healthy?: boolean;
  /** The proxy (Envoy node id) fronting this instance, when it registered itself. */
  proxyId?: string;
  /** The application's own port behind the sidecar, when it differs from the service's targetPort. */
  appPort?: number;
  /** `istio` when a sidecar in front of it terminates Istio mTLS (the registry's tlsMode); absent = disabled. */
  tlsMode?: 'istio' | 'disabled';
}

/** Istio's protocol from a port name (`http-web` → HTTP) or appProtocol. */
export function protocolOf(name: string, appProtocol?: string): Protocol {
  const p = (appProtocol ?? name.split('-')[0]).toLowerCase();
  switch (p) {
    case 'http':
      return 'HTTP';
    case 'http2':
    case 'h2c':
      return 'HTTP2';
    case 'grpc':
    case 'grpc-web':
      return 'GRPC';
    case 'tcp':
      return 'TCP';
    case 'tls':
      return 'TLS';
    case 'https':
      return 'HTTPS';
    case 'mongo':
      return 'MONGO';
    case 'redis':
      return 'REDIS';
    default:
      return 'UNKNOWN';
  }
}

/** HTTP-family protocols get an HTTP connection manager; the rest a TCP proxy. UNKNOWN is sniffed as HTTP in
 * Istio; Trellis (no protocol sniffing yet) treats it as HTTP too, since local apps are mostly HTTP. */
export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'UNKNOWN';
}
