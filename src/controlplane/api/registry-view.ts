// /debug/registryz: every service the registry knows, with its endpoints per service port.
import type { ServiceRegistry } from '../../registry/index.js';

export interface RegistryServiceWire {
  hostname: string;
  namespace: string;
  name: string;
  addresses: readonly string[];
  resolution: string;
  meshExternal: boolean;
  origin: string;
  ports: { name: string; port: number; protocol: string; endpoints: string[] }[];
}

export function registryView(registry: ServiceRegistry): {
  revision: number;
  services: RegistryServiceWire[];
} {
  const services = registry.services().map((s) => ({
    hostname: s.hostname,
    namespace: s.namespace,
    name: s.name,
    addresses: s.addresses,
    resolution: s.resolution,
    meshExternal: s.meshExternal,
    origin: `${s.origin.kind} ${s.origin.namespace ? `${s.origin.namespace}/` : ''}${s.origin.name}`,
    ports: s.ports.map((p) => ({
      name: p.name,
      port: p.port,
      protocol: p.protocol,
      endpoints: registry
        .instancesOf(s.hostname, p.port)
        .filter((e) => e.namespace === s.namespace)
        .map((e) => `${e.address}:${e.port} (${e.instance.namespace}/${e.instance.name})`),
    })),
  }));
  return { revision: registry.revision, services };
}
