// What the analyzers look things up in: every resource by kind, the known services, gateways, subsets,
// workloads and namespaces, with Istio's host resolution (short names are relative to the resource's namespace).
import {
  DEFAULT_DOMAIN,
  type DestinationRuleSpec,
  hostMatches,
  isWildcard,
  type MeshSpec,
  meshWorkloads,
  type Resource,
  type ServiceEntrySpec,
  toFqdn,
  type WorkloadEntrySpec,
} from '../api/index.js';

export interface Workload {
  namespace: string;
  labels: Record<string, string>;
}

export interface AnalysisOptions {
  domain?: string;
  /** Istio's root namespace: mesh-wide policies and DestinationRules live there. */
  rootNamespace?: string;
}

export class AnalysisContext {
  readonly domain: string;
  readonly rootNamespace: string;
  private readonly byKind = new Map<string, Resource[]>();
  /** FQDNs (or ServiceEntry wildcard patterns) of every service the inputs declare. */
  readonly serviceHosts: string[] = [];
  readonly workloads: Workload[] = [];
  readonly namespaces = new Set<string>();
  /** False when the inputs declare no services at all: host checks would only repeat "not found". */
  readonly knowsServices: boolean;
  /** False when the inputs declare no workloads: selector checks would only repeat "no match". */
  readonly knowsWorkloads: boolean;
  readonly knowsNamespaces: boolean;

  constructor(
    readonly resources: readonly Resource[],
    options: AnalysisOptions = {},
  ) {
    this.domain = options.domain ?? DEFAULT_DOMAIN;
    this.rootNamespace = options.rootNamespace ?? 'istio-system';
    for (const r of resources) {
      const list = this.byKind.get(r.kind) ?? [];
      list.push(r);
      this.byKind.set(r.kind, list);
    }
    for (const svc of this.of('Service')) {
      this.serviceHosts.push(toFqdn(svc.metadata.name, svc.metadata.namespace, this.domain));
    }
    for (const se of this.of<ServiceEntrySpec>('ServiceEntry')) {
      for (const h of se.spec.hosts ?? []) this.serviceHosts.push(this.fqdn(h, se.metadata.namespace));
    }
    let meshNamespaces = false;
    for (const mesh of this.of<MeshSpec>('Mesh')) {
      for (const s of mesh.spec.services)
        this.serviceHosts.push(toFqdn(s.name, s.namespace, mesh.spec.domain));
      for (const w of meshWorkloads(mesh.spec))
        this.workloads.push({ namespace: w.namespace, labels: w.labels });
      for (const ns of mesh.spec.namespaces ?? []) this.namespaces.add(ns.name);
      for (const s of mesh.spec.services) this.namespaces.add(s.namespace);
      meshNamespaces = true;
    }
    for (const we of this.of<WorkloadEntrySpec>('WorkloadEntry')) {
      this.workloads.push({ namespace: we.metadata.namespace, labels: we.spec.labels ?? {} });
    }
    for (const ns of this.of('Namespace')) this.namespaces.add(ns.metadata.name);
    this.knowsServices = this.serviceHosts.length > 0;
    this.knowsWorkloads = this.workloads.length > 0;
    this.knowsNamespaces = meshNamespaces || this.of('Namespace').length > 0;
  }

  of<S = unknown>(kind: string): Resource<S>[] {
    return (this.byKind.get(kind) ?? []) as Resource<S>[];
  }

  /** A host as written in a resource of `namespace`, made fully qualified (wildcards stay as they are). */
  fqdn(host: string, namespace: string): string {
    return isWildcard(host) ? host : toFqdn(host, namespace, this.domain);
  }

  hasService(fqdn: string): boolean {
    return this.serviceHosts.some((known) => known === fqdn || hostMatches(known, fqdn));
  }

  /** DestinationRules that apply to `fqdn` for a client in `namespace`: its own namespace first, then the root. */
  destinationRulesFor(fqdn: string, namespace: string): Resource<DestinationRuleSpec>[] {
    const rules = this.of<DestinationRuleSpec>('DestinationRule').filter((dr) =>
      hostMatches(this.fqdn(dr.spec.host, dr.metadata.namespace), fqdn),
    );
    const local = rules.filter((dr) => dr.metadata.namespace === namespace);
    if (local.length > 0) return local;
    const service = fqdn.split('.')[1];
    const owner = rules.filter((dr) => dr.metadata.namespace === service);
    if (owner.length > 0) return owner;
    return rules.filter((dr) => dr.metadata.namespace === this.rootNamespace);
  }

  workloadsMatching(namespace: string, labels: Record<string, string> | undefined): Workload[] {
    const inRoot = namespace === this.rootNamespace;
    return this.workloads.filter(
      (w) =>
        (inRoot || w.namespace === namespace) &&
        Object.entries(labels ?? {}).every(([k, v]) => w.labels[k] === v),
    );
  }
}
