// An immutable index of services and endpoints, built from config resources and local workloads.
import {
  type Labels,
  labelsMatch,
  type MeshSpec,
  type Resource,
  type ServiceEntrySpec,
  type ServiceSpec,
  type WorkloadEntrySpec,
} from '../api/index.js';
import { kindKey } from '../config/kinds.js';
import {
  fromKubeService,
  fromServiceEntry,
  fromWorkloadEntry,
  KUBE_SERVICE_KIND,
  SERVICE_ENTRY_KIND,
  type SelectingService,
  WORKLOAD_ENTRY_KIND,
} from './convert.js';
import { fromMesh, MESH_KIND } from './convert-mesh.js';
import type { Service, ServiceEndpoint, ServicePort, WorkloadInstance } from './model.js';

/** The config kinds the registry reads; changes to others never rebuild it. */
export const REGISTRY_KINDS = [
  KUBE_SERVICE_KIND,
  SERVICE_ENTRY_KIND,
  WORKLOAD_ENTRY_KIND,
  MESH_KIND,
] as const;

export interface RegistryInputs {
  /** Config resources (any kinds; only REGISTRY_KINDS are read). */
  resources: readonly Resource[];
  /** Instances of workloads registered by their proxies. */
  local: readonly WorkloadInstance[];
  /** Cluster domain for Kubernetes-style hostnames (`cluster.local`). */
  domain: string;
}

/**
 * The instance port serving a service port: the instance's port named like the service port (how a local
 * workload or WorkloadEntry declares it, as Istio does for WorkloadEntry), else the targetPort (a number, or
 * the name of an instance port), else the service port itself. Undefined when a named targetPort is missing.
 */
export function instancePort(instance: WorkloadInstance, port: ServicePort): number | undefined {
  const byName = instance.ports[port.name];
  if (byName !== undefined) return byName;
  if (typeof port.targetPort === 'number') return port.targetPort;
  if (typeof port.targetPort === 'string') return instance.ports[port.targetPort];
  return port.port;
}

function byHostThenNamespace(a: Service, b: Service): number {
  if (a.hostname !== b.hostname) return a.hostname < b.hostname ? -1 : 1;
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

export class RegistrySnapshot {
  readonly services: readonly Service[];
  readonly workloads: readonly WorkloadInstance[];
  private readonly byHost = new Map<string, Service[]>();
  private readonly endpoints = new Map<string, ServiceEndpoint[]>();
  private fingerprintCache: Map<string, string> | undefined;

  constructor(inputs: RegistryInputs) {
    const selecting: SelectingService[] = [];
    const entries: WorkloadInstance[] = [];
    for (const r of inputs.resources) {
      const key = kindKey(r.apiVersion, r.kind);
      if (key === KUBE_SERVICE_KIND)
        selecting.push(fromKubeService(r as Resource<ServiceSpec>, inputs.domain));
      else if (key === SERVICE_ENTRY_KIND)
        selecting.push(...fromServiceEntry(r as Resource<ServiceEntrySpec>));
      else if (key === WORKLOAD_ENTRY_KIND) entries.push(fromWorkloadEntry(r as Resource<WorkloadEntrySpec>));
      else if (key === MESH_KIND) selecting.push(...fromMesh(r as Resource<MeshSpec>));
    }
    this.workloads = Object.freeze([...inputs.local, ...entries].map((w) => Object.freeze(w)));
    for (const s of selecting) {
      const service = Object.freeze(s.service);
      const list = this.byHost.get(service.hostname) ?? [];
      list.push(service);
      this.byHost.set(service.hostname, list);
      const members = [...s.instances];
      if (s.selector && Object.keys(s.selector).length > 0) {
        const selector = s.selector;
        members.push(
          ...this.workloads.filter(
            (w) => w.namespace === service.namespace && labelsMatch(selector, w.labels),
          ),
        );
      }
      for (const port of service.ports) {
        const id = `${service.hostname}|${port.port}`;
        const list = this.endpoints.get(id) ?? [];
        for (const instance of members) {
          const target = instancePort(instance, port);
          if (target === undefined) continue;
          list.push(
            Object.freeze({
              hostname: service.hostname,
              namespace: service.namespace,
              servicePort: port,
              address: instance.address,
              port: target,
              instance,
            }),
          );
        }
        this.endpoints.set(id, list);
      }
    }
    for (const list of this.byHost.values()) list.sort(byHostThenNamespace);
    this.services = Object.freeze([...this.byHost.values()].flat().sort(byHostThenNamespace));
  }

  service(hostname: string, namespace?: string): Service | undefined {
    const list = this.byHost.get(hostname);
    if (!list) return undefined;
    return (namespace !== undefined ? list.find((s) => s.namespace === namespace) : undefined) ?? list[0];
  }

  instancesOf(hostname: string, port: number, labels?: Labels): readonly ServiceEndpoint[] {
    const all = this.endpoints.get(`${hostname}|${port}`) ?? [];
    return labels ? all.filter((e) => labelsMatch(labels, e.instance.labels)) : all;
  }

  /** A fingerprint per hostname of its services and endpoints, to tell which hosts a change touched. */
  fingerprints(): Map<string, string> {
    // Asked of the same snapshot by every change diffed against it: computed once (the snapshot is immutable).
    this.fingerprintCache ??= this.computeFingerprints();
    return this.fingerprintCache;
  }

  private computeFingerprints(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [host, services] of this.byHost) {
      const eps = services.flatMap((s) => s.ports.map((p) => this.instancesOf(host, p.port)));
      out.set(host, JSON.stringify([services, eps]));
    }
    return out;
  }
}
