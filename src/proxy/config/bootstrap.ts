// The proxy's validated bootstrap: who it is, where its admin API listens, its static resources and how it
// reaches the management server (Envoy's v3 Bootstrap, decoded).
import type { Cluster, ClusterLoadAssignment } from './cluster.js';
import type { Listener } from './listener.js';
import type { RouteConfiguration } from './route.js';

/** Envoy's Node: sent to the management server on every discovery request. */
export interface NodeIdentity {
  id: string;
  cluster: string;
  /** Istio-style node metadata: NAMESPACE, WORKLOAD_NAME, LABELS, SERVICE_ACCOUNT, … (proto Struct as JSON). */
  metadata: Record<string, unknown>;
  locality?: { region: string; zone: string; subZone: string };
}

export interface StaticSecret {
  name: string;
  certificateChain?: string;
  privateKey?: string;
  trustedCa?: string;
}

export interface Bootstrap {
  node: NodeIdentity;
  admin?: { host: string; port: number; accessLogPath?: string };
  listeners: Listener[];
  clusters: Cluster[];
  /** Endpoints given statically for EDS-typed clusters are not part of Envoy's bootstrap; kept for symmetry. */
  endpoints: ClusterLoadAssignment[];
  routes: RouteConfiguration[];
  secrets: StaticSecret[];
  /** ADS: the static cluster that reaches the management server, if any. */
  ads?: { clusterName: string; apiType: 'GRPC' | 'DELTA_GRPC' };
  /** Which dynamic types come from ADS (Envoy's lds_config/cds_config with `ads: {}`). */
  dynamicLds: boolean;
  dynamicCds: boolean;
}

/** The full set of resources the proxy serves from at one moment; replaced atomically on every update. */
export interface ProxyResources {
  listeners: Map<string, Listener>;
  routes: Map<string, RouteConfiguration>;
  clusters: Map<string, Cluster>;
  endpoints: Map<string, ClusterLoadAssignment>;
  /** SDS secrets received over ADS, by name (the names TLS contexts reference with `kind: 'sds'`). */
  secrets?: Map<string, StaticSecret>;
}
