// The label side of Istio's standard metrics: label names in Istio's order, the proxy's own workload labels
// (from its node metadata, once), the peer labels (from the exchanged peer metadata and the SPIFFE IDs), the
// destination service of a cluster (its `istio.services` metadata, else Istio's `outbound|port|subset|host`
// name), and the exposition text of a label set, each worked out once and reused for every request.
import type { Cluster } from '../../../config/cluster.js';
import { escapeLabelValue } from '../../../stats/prometheus.js';
import type { PeerInfo } from '../peer-metadata/peer-info.js';

/** Labels up to destination_cluster: fixed for a (peer, identities, service) combination. */
export const HEAD_LABELS = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_service_name',
  'destination_service_namespace',
  'destination_cluster',
] as const;

export const UNKNOWN = 'unknown';

export type Reporter = 'source' | 'destination';

/** A workload as the metrics describe it; '' fields print as Istio's defaults. */
export interface WorkloadLabels {
  workload: string;
  namespace: string;
  app: string;
  version: string;
  canonicalService: string;
  canonicalRevision: string;
  cluster: string;
}

/** The workload of a peer's exchanged metadata (or of this proxy's own node). */
export function workloadOf(p: PeerInfo | undefined): WorkloadLabels | undefined {
  if (p === undefined) return undefined;
  return {
    workload: p.workloadName,
    namespace: p.namespace,
    app: p.app,
    version: p.version,
    canonicalService: p.canonicalService,
    canonicalRevision: p.canonicalRevision,
    cluster: p.clusterId,
  };
}

/** The service a request or connection went to: destination_service, _name (and its namespace, if known). */
export interface ServiceLabels {
  host: string;
  name: string;
  /** Unique per service, for cache keys. */
  readonly id: string;
}

const NO_SERVICE: ServiceLabels = Object.freeze({ host: '', name: '', id: '' });
const SPECIAL_CLUSTERS = new Set([
  'BlackHoleCluster',
  'PassthroughCluster',
  'InboundPassthroughCluster',
  'InboundPassthroughClusterIpv4',
  'InboundPassthroughClusterIpv6',
]);

/** Istio's names for requests its catch-all routes sent nowhere / anywhere (route block_all, allow_any). */
export const BLACK_HOLE_SERVICE: ServiceLabels = Object.freeze(service('', 'BlackHoleCluster'));
export const PASSTHROUGH_SERVICE: ServiceLabels = Object.freeze(service('', 'PassthroughCluster'));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function service(host: string, name: string): ServiceLabels {
  return { host, name, id: `${host}\u0001${name}` };
}

/** Service labels of a cluster, worked out once per cluster config object. */
const byCluster = new WeakMap<Cluster, ServiceLabels>();

export function serviceOfCluster(cluster: Cluster | undefined): ServiceLabels {
  if (cluster === undefined) return NO_SERVICE;
  let s = byCluster.get(cluster);
  if (s === undefined) {
    s = computeServiceOfCluster(cluster);
    byCluster.set(cluster, s);
  }
  return s;
}

function computeServiceOfCluster(c: Cluster): ServiceLabels {
  if (SPECIAL_CLUSTERS.has(c.name)) return service('', c.name);
  const istio = c.metadata.istio;
  const list = isObject(istio) ? istio.services : undefined;
  const first = Array.isArray(list) ? list[0] : undefined;
  if (isObject(first) && typeof first.host === 'string') {
    const host = first.host;
    const name = typeof first.name === 'string' ? first.name : host.split('.')[0];
    return service(host, name);
  }
  // Istio's cluster names carry the host: outbound|9080|v1|reviews.default.svc.cluster.local.
  const parts = c.name.split('|');
  if (parts.length === 4 && parts[0] === 'outbound' && parts[3] !== '')
    return service(parts[3], parts[3].split('.')[0]);
  return NO_SERVICE;
}

/**
 * The Host header as destination_service when the cluster names no service host (Istio's fallback, the
 * header as sent); destination_service_name is `name` (a catch-all cluster's) or the header too.
 */
const byAuthority = new Map<string, ServiceLabels>();

export function serviceOfAuthority(authority: string, name = ''): ServiceLabels {
  const key = `${authority}\u0001${name}`;
  let s = byAuthority.get(key);
  if (s === undefined) {
    s = service(authority, name === '' ? authority : name);
    // Authorities come from clients: bound what they can make us remember.
    if (byAuthority.size >= 1024) byAuthority.clear();
    byAuthority.set(key, s);
  }
  return s;
}

/** `<domain>/ns/<namespace>/sa/<sa>` → the namespace ('' when the ID has none). */
export function namespaceOfPrincipal(principal: string): string {
  const at = principal.indexOf('/ns/');
  if (at < 0) return '';
  const start = at + 4;
  const end = principal.indexOf('/', start);
  return end < 0 ? principal.slice(start) : principal.slice(start, end);
}

const or = (v: string, fallback: string): string => (v === '' ? fallback : v);

/**
 * The HEAD_LABELS values. `local` is this proxy's workload; `peer` the other side's, if known; principals
 * are SPIFFE IDs ('' unknown). Defaults follow Istio's filter: unknown, and `latest` for peer revisions.
 */
export function headValues(
  reporter: Reporter,
  local: WorkloadLabels,
  peer: WorkloadLabels | undefined,
  peerPrincipal: string,
  localPrincipal: string,
  svc: ServiceLabels,
): string[] {
  const peerNs = or(namespaceOfPrincipal(peerPrincipal), peer?.namespace ?? '');
  const remote = [
    or(peer?.workload ?? '', UNKNOWN),
    or(peer?.canonicalService ?? '', UNKNOWN),
    or(peer?.canonicalRevision ?? '', 'latest'),
    or(peerNs, UNKNOWN),
    or(peerPrincipal, UNKNOWN),
    or(peer?.app ?? '', UNKNOWN),
    or(peer?.version ?? '', UNKNOWN),
    or(peer?.cluster ?? '', UNKNOWN),
  ];
  const self = [
    or(local.workload, UNKNOWN),
    or(local.canonicalService, UNKNOWN),
    or(local.canonicalRevision, 'latest'),
    or(local.namespace, UNKNOWN),
    or(localPrincipal, UNKNOWN),
    or(local.app, UNKNOWN),
    or(local.version, UNKNOWN),
    or(local.cluster, UNKNOWN),
  ];
  if (reporter === 'destination') {
    // source_* is the caller; destination_* is this workload, the service it was called as, or itself.
    return [
      reporter,
      ...remote,
      self[0],
      self[3],
      self[4],
      self[5],
      self[6],
      or(svc.host, self[1]),
      self[1],
      self[2],
      or(svc.name, self[1]),
      self[3],
      self[7],
    ];
  }
  return [
    reporter,
    ...self,
    remote[0],
    remote[3],
    remote[4],
    remote[5],
    remote[6],
    or(svc.host, UNKNOWN),
    remote[1],
    remote[2],
    or(svc.name, UNKNOWN),
    remote[3],
    remote[7],
  ];
}

/** `a="x",b="y"` for parallel name and value lists, values escaped. */
export function renderLabels(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += `${names[i]}="${escapeLabelValue(values[i])}"`;
  }
  return out;
}
