// ServiceEntry and WorkloadEntry (networking.istio.io): services and workloads added to the registry by hand.
import { exportTo, host, labelMap, workloadSelector } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, enumOf, type Infer, int, map, obj, str } from '../schema.js';
import { checkProtocol } from './gateway.js';
import { ISTIO_NETWORKING, NETWORKING_VERSIONS } from './virtual-service.js';

export const workloadEntrySpec = obj({
  address: str(),
  ports: map(int({ min: 1, max: 65535 })),
  labels: labelMap(),
  network: str(),
  locality: str(),
  weight: int({ min: 0 }),
  serviceAccount: str(),
});

const servicePort = () =>
  obj({
    number: int({ min: 1, max: 65535 }).required(),
    protocol: str().check(checkProtocol),
    name: str({ nonEmpty: true }).required(),
    targetPort: int({ min: 1, max: 65535 }),
  });

export const serviceEntrySpec = obj(
  {
    hosts: arr(host(), { minItems: 1 }).required(),
    addresses: arr(str()),
    ports: arr(servicePort()),
    location: enumOf(['MESH_EXTERNAL', 'MESH_INTERNAL']),
    /** Istio's default is NONE (traffic passes through to the address the client asked for). */
    resolution: enumOf(['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']).default('NONE'),
    endpoints: arr(workloadEntrySpec),
    workloadSelector: workloadSelector(),
    exportTo: exportTo(),
    subjectAltNames: arr(str()),
  },
  {
    atMostOne: [['endpoints', 'workloadSelector']],
    check: (se, ctx, path) => {
      if (se.resolution === 'STATIC' && !se.endpoints?.length && !se.workloadSelector) {
        ctx.error(
          `${path}.resolution`,
          'resolution STATIC needs endpoints (or a workloadSelector)',
          'service-entry',
        );
      }
      if (se.resolution === 'STATIC') {
        se.endpoints?.forEach((e, i) => {
          if (!e.address)
            ctx.error(
              `${path}.endpoints[${i}].address`,
              'resolution STATIC needs an address for every endpoint',
              'required',
            );
        });
      }
      if (se.resolution !== 'NONE' && se.resolution !== 'DYNAMIC_DNS') {
        se.hosts.forEach((h, i) => {
          if (h.startsWith('*')) {
            ctx.error(
              `${path}.hosts[${i}]`,
              `wildcard host "${h}" needs resolution NONE or DYNAMIC_DNS`,
              'service-entry',
            );
          }
        });
      }
      const seen = new Set<number>();
      se.ports?.forEach((p, i) => {
        if (seen.has(p.number))
          ctx.error(`${path}.ports[${i}].number`, `port ${p.number} is listed twice`, 'duplicate-port');
        seen.add(p.number);
      });
    },
  },
);

export type ServiceEntrySpec = Infer<typeof serviceEntrySpec>;
export type WorkloadEntrySpec = Infer<typeof workloadEntrySpec>;
export type ServicePort = Infer<ReturnType<typeof servicePort>>;
export type ServiceEntryResource = Resource<ServiceEntrySpec>;
export type WorkloadEntryResource = Resource<WorkloadEntrySpec>;

export const serviceEntryKind = defineKind({
  kind: 'ServiceEntry',
  group: ISTIO_NETWORKING,
  versions: NETWORKING_VERSIONS,
  namespaced: true,
  spec: serviceEntrySpec,
  description: 'adds a service (often external) to the mesh registry',
});

export const workloadEntryKind = defineKind({
  kind: 'WorkloadEntry',
  group: ISTIO_NETWORKING,
  versions: NETWORKING_VERSIONS,
  namespaced: true,
  spec: workloadEntrySpec,
  description: 'a workload outside Kubernetes (a VM, a process) with its address and labels',
});
