// Adapts the service registry (src/registry) to the translator's service and instance view: protocols and
// resolutions in the translator's terms, one instance per (service port, endpoint), local proxies' ids kept.
import type {
  Protocol as RegistryProtocol,
  Service as RegistryService,
  ServiceEndpoint,
} from '../../registry/model.js';
import type { Protocol, Service, WorkloadInstance } from './service.js';

/** Endpoints of a service port: `ServiceRegistry.instancesOf` or `RegistrySnapshot.instancesOf`. */
export type InstancesOf = (hostname: string, port: number) => readonly ServiceEndpoint[];

export function protocolFromRegistry(p: RegistryProtocol): Protocol {
  switch (p) {
    case 'HTTP':
    case 'HTTP_PROXY':
      return 'HTTP';
    case 'HTTP2':
      return 'HTTP2';
    case 'GRPC':
    case 'GRPC_WEB':
      return 'GRPC';
    case 'TLS':
      return 'TLS';
    case 'HTTPS':
      return 'HTTPS';
    case 'MONGO':
      return 'MONGO';
    case 'REDIS':
      return 'REDIS';
    case 'UNSUPPORTED':
      return 'UNKNOWN';
    default:
      return 'TCP';
  }
}

function resolution(r: RegistryService['resolution']): Service['resolution'] {
  if (r === 'NONE') return 'PASSTHROUGH';
  if (r === 'DNS' || r === 'DNS_ROUND_ROBIN' || r === 'DYNAMIC_DNS') return 'DNS';
  return 'EDS';
}

export function serviceFromRegistry(s: RegistryService): Service {
  const out: Service = {
    hostname: s.hostname,
    name: s.name,
    namespace: s.namespace,
    ports: s.ports.map((p) => ({
      name: p.name,
      port: p.port,
      protocol: protocolFromRegistry(p.protocol),
      ...(typeof p.targetPort === 'number' ? { targetPort: p.targetPort } : {}),
    })),
    addresses: [...s.addresses],
    resolution: resolution(s.resolution),
    meshExternal: s.meshExternal,
    labels: { ...s.labels },
  };
  if (s.subjectAltNames && s.subjectAltNames.length > 0) out.subjectAltNames = [...s.subjectAltNames];
  if (s.exportTo.length > 0 && !s.exportTo.includes('*')) out.exportTo = [...s.exportTo];
  return out;
}

export function instanceFromEndpoint(e: ServiceEndpoint): WorkloadInstance {
  const i = e.instance;
  const out: WorkloadInstance = {
    serviceHostname: e.hostname,
    servicePort: e.servicePort.port,
    address: e.address,
    port: e.port,
    labels: { ...i.labels },
    namespace: i.namespace,
    serviceAccount: i.serviceAccount,
  };
  if (i.locality) out.locality = i.locality;
  if (i.weight !== undefined) out.weight = i.weight;
  if (i.origin.kind === 'local') out.proxyId = i.origin.name;
  out.tlsMode = i.tlsMode;
  return out;
}

/** Services and instances of a registry (`registry.services()` / a RegistrySnapshot's `services`), for a Snapshot. */
export function fromRegistry(
  registryServices: readonly RegistryService[],
  instancesOf: InstancesOf,
): { services: Service[]; instances: WorkloadInstance[] } {
  const services: Service[] = [];
  const instances: WorkloadInstance[] = [];
  const seen = new Set<string>();
  for (const s of registryServices) {
    // Several namespaces may define one host (ServiceEntries): the registry orders them; the first is used.
    if (seen.has(s.hostname)) continue;
    seen.add(s.hostname);
    services.push(serviceFromRegistry(s));
    for (const p of s.ports)
      for (const e of instancesOf(s.hostname, p.port)) instances.push(instanceFromEndpoint(e));
  }
  return { services, instances };
}
