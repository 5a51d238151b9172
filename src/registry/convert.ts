// Config resources → registry model: Kubernetes Service, ServiceEntry (+ its endpoints), WorkloadEntry.
import type { Resource, ServiceEntrySpec, ServiceSpec, WorkloadEntrySpec } from '../api/index.js';
import { serviceHostname } from './host.js';
import type { Origin, Service, ServicePort, TlsMode, WorkloadInstance } from './model.js';
import { parseProtocol, protocolOfPort } from './protocol.js';

export const SERVICE_ENTRY_KIND = 'networking.istio.io/ServiceEntry';
export const WORKLOAD_ENTRY_KIND = 'networking.istio.io/WorkloadEntry';
export const KUBE_SERVICE_KIND = 'Service';

/** The label Istio reads a workload's mTLS mode from. */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

function originOf(kind: string, r: Resource): Origin {
  return { kind, namespace: r.metadata.namespace, name: r.metadata.name };
}

/** A service plus the label selector picking its instances (undefined: endpoints are listed, not selected). */
export interface SelectingService {
  service: Service;
  selector?: Readonly<Record<string, string>>;
  /** Instances that belong to this service regardless of selectors (ServiceEntry endpoints, DNS hosts). */
  instances: WorkloadInstance[];
}

export function fromKubeService(r: Resource<ServiceSpec>, domain: string): SelectingService {
  const spec = r.spec ?? {};
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.port,
    ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
    protocol: protocolOfPort(p),
  }));
  const ips = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
  // ExternalName is a DNS alias outside the mesh, as Istio models it: DNS resolution of externalName.
  const external = spec.type === 'ExternalName' && spec.externalName ? spec.externalName : undefined;
  const service: Service = {
    hostname: serviceHostname(r.metadata.name, r.metadata.namespace, domain),
    namespace: r.metadata.namespace,
    name: r.metadata.name,
    ports,
    addresses: ips.filter((ip) => ip !== 'None' && ip !== ''),
    labels: r.metadata.labels ?? {},
    meshExternal: external !== undefined,
    resolution: external !== undefined ? 'DNS' : 'STATIC',
    exportTo: exportToOf(r.metadata.annotations?.['networking.istio.io/exportTo']),
    origin: originOf(KUBE_SERVICE_KIND, r),
  };
  if (external !== undefined) {
    const target = workloadFromEntry({}, r.metadata.name, r.metadata.namespace, service.origin, external);
    return { service, instances: [target] };
  }
  // A Service without a selector has no endpoints here (Kubernetes would take them from an Endpoints object).
  return { service, ...(spec.selector ? { selector: spec.selector } : {}), instances: [] };
}

function exportToOf(annotation: string | undefined): string[] {
  if (!annotation) return ['*'];
  return annotation
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Istio's rule: the tlsMode label if present, else mTLS when the entry names a service account. */
function tlsModeOf(labels: Record<string, string> | undefined, serviceAccount: string | undefined): TlsMode {
  const label = labels?.[TLS_MODE_LABEL];
  if (label !== undefined) return label === 'istio' ? 'istio' : 'disabled';
  return serviceAccount ? 'istio' : 'disabled';
}

export function workloadFromEntry(
  spec: WorkloadEntrySpec,
  name: string,
  namespace: string,
  origin: Origin,
  fallbackAddress = '',
): WorkloadInstance {
  return {
    name,
    namespace,
    address: spec.address || fallbackAddress,
    ports: spec.ports ?? {},
    labels: spec.labels ?? {},
    serviceAccount: spec.serviceAccount ?? '',
    locality: spec.locality ?? '',
    ...(spec.network ? { network: spec.network } : {}),
    tlsMode: tlsModeOf(spec.labels, spec.serviceAccount),
    ...(spec.weight !== undefined ? { weight: spec.weight } : {}),
    origin,
  };
}

/** As Istio: the workload's labels are `spec.labels`; the entry's own metadata labels do not select it. */
export function fromWorkloadEntry(r: Resource<WorkloadEntrySpec>): WorkloadInstance {
  return workloadFromEntry(r.spec, r.metadata.name, r.metadata.namespace, originOf(WORKLOAD_ENTRY_KIND, r));
}

/**
 * One service per host of the entry. Endpoints become instances of every one of them; an entry with
 * resolution DNS or DNS_ROUND_ROBIN and neither endpoints nor a selector resolves its own host names (one
 * instance per host, as Istio does); NONE and DYNAMIC_DNS have no endpoints.
 */
export function fromServiceEntry(r: Resource<ServiceEntrySpec>): SelectingService[] {
  const spec = r.spec;
  const origin = originOf(SERVICE_ENTRY_KIND, r);
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name,
    port: p.number,
    ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
    protocol: parseProtocol(p.protocol),
  }));
  const listed = (spec.endpoints ?? []).map((e, i) =>
    workloadFromEntry(e, `${r.metadata.name}-${i}`, r.metadata.namespace, origin),
  );
  const dnsSelf =
    (spec.resolution === 'DNS' || spec.resolution === 'DNS_ROUND_ROBIN') &&
    listed.length === 0 &&
    spec.workloadSelector === undefined;
  return spec.hosts.map((hostname) => ({
    service: {
      hostname,
      namespace: r.metadata.namespace,
      name: r.metadata.name,
      ports,
      addresses: spec.addresses ?? [],
      labels: r.metadata.labels ?? {},
      meshExternal: spec.location !== 'MESH_INTERNAL',
      resolution: spec.resolution,
      exportTo: spec.exportTo ?? ['*'],
      ...(spec.subjectAltNames?.length ? { subjectAltNames: spec.subjectAltNames } : {}),
      origin,
    },
    ...(spec.workloadSelector ? { selector: spec.workloadSelector.labels ?? {} } : {}),
    instances: dnsSelf ? [workloadFromEntry({}, hostname, r.metadata.namespace, origin, hostname)] : listed,
  }));
}
