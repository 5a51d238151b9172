// The service registry's model: services, their ports, workload instances and the endpoints joining them.
import type { Labels } from '../api/index.js';

/** Application protocols as Istio names them (its `protocol.Instance`), spelt in upper case. */
export type Protocol =
  | 'HTTP'
  | 'HTTP2'
  | 'GRPC'
  | 'GRPC_WEB'
  | 'HTTP_PROXY'
  | 'TCP'
  | 'UDP'
  | 'TLS'
  | 'HTTPS'
  | 'MONGO'
  | 'REDIS'
  | 'MYSQL'
  /** Not known from the name: Istio sniffs the protocol on the first bytes ("auto"). */
  | 'UNSUPPORTED';

export interface ServicePort {
  name: string;
  /** The port clients call, on the service's hostname or VIP. */
  port: number;
  /** Where instances listen: a number, a named instance port, or undefined (same as `port`). */
  targetPort?: number | string;
  protocol: Protocol;
}

/** How a client finds the service's endpoints, as ServiceEntry names it; Kubernetes Services are STATIC. */
export type Resolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'DYNAMIC_DNS';

/** Which resource (or registration) produced a service or an instance. */
export interface Origin {
  /** A config kind key (`Service`, `networking.istio.io/ServiceEntry`, …) or `local` for a proxy's announcement. */
  kind: string;
  namespace: string;
  name: string;
}

export interface Service {
  /** Fully qualified: `reviews.default.svc.cluster.local`, or a ServiceEntry host such as `api.example.com`. */
  hostname: string;
  namespace: string;
  /** The short name: the Service's name, or the ServiceEntry's name. */
  name: string;
  ports: readonly ServicePort[];
  /** Virtual IPs (Kubernetes clusterIP, ServiceEntry addresses, CIDRs allowed); empty when none. */
  addresses: readonly string[];
  labels: Readonly<Labels>;
  /** True for ServiceEntry MESH_EXTERNAL (the default location): no sidecar on the other side, no mTLS. */
  meshExternal: boolean;
  resolution: Resolution;
  /** Namespaces that may see this service: `*` (all, the default), `.` (its own) or names. */
  exportTo: readonly string[];
  /** Identities the service's endpoints may present (ServiceEntry subjectAltNames); absent when unstated. */
  subjectAltNames?: readonly string[];
  origin: Origin;
}

/** `istio` when the workload has a sidecar that terminates Istio mTLS, `disabled` otherwise. */
export type TlsMode = 'istio' | 'disabled';

export interface WorkloadInstance {
  name: string;
  namespace: string;
  /** An IP, or a DNS name for ServiceEntry endpoints with DNS resolution. */
  address: string;
  /** Named ports the workload listens on (name → port), used to map service ports to instance ports. */
  ports: Readonly<Record<string, number>>;
  labels: Readonly<Labels>;
  /** '' when the workload has no identity (an external endpoint without one). */
  serviceAccount: string;
  /** `region/zone/subzone`, parts may be empty; '' when unknown. */
  locality: string;
  network?: string;
  tlsMode: TlsMode;
  /** Load-balancing weight (ServiceEntry endpoints, WorkloadEntry); undefined = 1. */
  weight?: number;
  origin: Origin;
}

/** One place a service port is served: an instance and the port on it. */
export interface ServiceEndpoint {
  hostname: string;
  namespace: string;
  servicePort: ServicePort;
  address: string;
  /** The instance port: named instance port, else targetPort, else the service port. */
  port: number;
  instance: WorkloadInstance;
}
