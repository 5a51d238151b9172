// Trellis's Mesh declaration → one Kubernetes-style service per declared service, selecting its workloads.
import type { MeshSpec, Resource } from '../api/index.js';
import type { SelectingService } from './convert.js';
import { serviceHostname } from './host.js';
import type { ServicePort } from './model.js';
import { parseProtocol, protocolOfPort } from './protocol.js';

export const MESH_KIND = 'trellis.dev/Mesh';

/**
 * Each `spec.services[]` entry becomes `<name>.<namespace>.svc.<spec.domain>`; it selects the workloads
 * whose labels carry its base labels (`app: <name>` plus the service's labels), i.e. every version, which the
 * proxies `trellis up` starts announce when they connect.
 */
export function fromMesh(r: Resource<MeshSpec>): SelectingService[] {
  const spec = r.spec;
  return spec.services.map((s) => {
    const selector = { app: s.name, ...(s.labels ?? {}) };
    const ports: ServicePort[] = s.ports.map((p) => ({
      name: p.name,
      port: p.port,
      ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
      protocol: p.protocol ? parseProtocol(p.protocol) : protocolOfPort({ port: p.port, name: p.name }),
    }));
    return {
      service: {
        hostname: serviceHostname(s.name, s.namespace, spec.domain),
        namespace: s.namespace,
        name: s.name,
        ports,
        addresses: [],
        labels: selector,
        meshExternal: false,
        resolution: 'STATIC' as const,
        exportTo: ['*'],
        origin: { kind: MESH_KIND, namespace: s.namespace, name: `${r.metadata.name}/${s.name}` },
      },
      selector,
      instances: [],
    };
  });
}
