// The immutable snapshot the translator reads (Istio's PushContext): config by kind with indexes, services
// and instances from the registry, mesh settings. Built once per change; never mutated afterwards.
import { hostMatches } from '../../api/host.js';
import type {
  DestinationRuleSpec,
  GatewaySpec,
  PeerAuthenticationSpec,
  SidecarSpec,
  VirtualServiceSpec,
} from '../../api/index.js';
import { labelsMatch } from '../../api/labels.js';
import type { Resource } from '../../api/resource.js';
import { alternateSelectorMatches, convertGatewayApi } from './gateway-api.js';
import type { MeshSettings } from './mesh.js';
import type { MeshProxy } from './proxy.js';
import type { Service, WorkloadInstance } from './service.js';
import { configHost, gatewayKey, isExportedTo } from './visibility.js';

export interface IndexedVirtualService {
  resource: Resource<VirtualServiceSpec>;
  /** Hosts as FQDNs (lower case). */
  hosts: string[];
  /** `mesh` or `ns/name` keys. */
  gateways: string[];
}

export interface IndexedDestinationRule {
  resource: Resource<DestinationRuleSpec>;
  host: string;
}

export interface SnapshotInput {
  configs: readonly Resource[];
  services: readonly Service[];
  instances: readonly WorkloadInstance[];
  mesh: MeshSettings;
  /** Shown to proxies as the version of what they were sent (e.g. the store revision). */
  version?: string;
}

const byName = (a: Resource, b: Resource) =>
  a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name);

export class Snapshot {
  readonly mesh: MeshSettings;
  readonly version: string;
  readonly services: readonly Service[];
  readonly instances: readonly WorkloadInstance[];
  readonly configs: readonly Resource[];
  private readonly servicesByHost = new Map<string, Service>();
  private readonly instancesByHostPort = new Map<string, WorkloadInstance[]>();
  private readonly vsByGateway = new Map<string, IndexedVirtualService[]>();
  private readonly delegates = new Map<string, IndexedVirtualService>();
  private readonly drsByNamespace = new Map<string, IndexedDestinationRule[]>();
  private readonly sidecarsByNamespace = new Map<string, Resource<SidecarSpec>[]>();
  private readonly gateways = new Map<string, Resource<GatewaySpec>>();
  private readonly peerAuthnByNamespace = new Map<string, Resource<PeerAuthenticationSpec>[]>();
  private readonly drLookups = new Map<string, IndexedDestinationRule | null>();

  constructor(input: SnapshotInput) {
    this.mesh = input.mesh;
    this.version = input.version ?? '0';
    this.configs = input.configs;
    this.services = [...input.services].sort((a, b) => a.hostname.localeCompare(b.hostname));
    this.instances = input.instances;
    for (const s of this.services)
      if (!this.servicesByHost.has(s.hostname)) this.servicesByHost.set(s.hostname, s);
    for (const i of input.instances) {
      const key = `${i.serviceHostname}|${i.servicePort}`;
      const list = this.instancesByHostPort.get(key);
      if (list) list.push(i);
      else this.instancesByHostPort.set(key, [i]);
    }
    // Gateway API Gateways and HTTPRoutes are indexed as the Istio Gateways and VirtualServices they become.
    const converted = convertGatewayApi(input.configs, this.mesh.domain);
    const sorted = [...input.configs, ...converted].sort(byName);
    for (const r of sorted) {
      switch (r.kind) {
        case 'VirtualService':
          this.indexVirtualService(r as Resource<VirtualServiceSpec>);
          break;
        case 'DestinationRule': {
          const dr = r as Resource<DestinationRuleSpec>;
          const ns = dr.metadata.namespace;
          const entry = { resource: dr, host: configHost(dr.spec.host, ns, this.mesh.domain) };
          push(this.drsByNamespace, ns, entry);
          break;
        }
        case 'Sidecar':
          push(this.sidecarsByNamespace, r.metadata.namespace, r as Resource<SidecarSpec>);
          break;
        case 'PeerAuthentication':
          push(this.peerAuthnByNamespace, r.metadata.namespace, r as Resource<PeerAuthenticationSpec>);
          break;
        case 'Gateway':
          if (r.apiVersion.startsWith('networking.istio.io/')) {
            this.gateways.set(`${r.metadata.namespace}/${r.metadata.name}`, r as Resource<GatewaySpec>);
          }
          break;
      }
    }
  }

  private indexVirtualService(vs: Resource<VirtualServiceSpec>): void {
    const ns = vs.metadata.namespace;
    if (!vs.spec.hosts || vs.spec.hosts.length === 0) {
      this.delegates.set(`${ns}/${vs.metadata.name}`, { resource: vs, hosts: [], gateways: [] });
      return;
    }
    const gateways = (vs.spec.gateways ?? ['mesh']).map((g) => gatewayKey(g, ns));
    const entry: IndexedVirtualService = {
      resource: vs,
      hosts: vs.spec.hosts.map((h) => configHost(h, ns, this.mesh.domain)),
      gateways,
    };
    for (const g of new Set(gateways)) push(this.vsByGateway, g, entry);
  }

  service(hostname: string): Service | undefined {
    return this.servicesByHost.get(hostname);
  }

  /** Instances of a service port (all of them; subset filtering is the translator's job). */
  instancesOf(hostname: string, port: number): readonly WorkloadInstance[] {
    return this.instancesByHostPort.get(`${hostname}|${port}`) ?? [];
  }

  /** The instances a proxy fronts: registered with its id, else sharing one of its IPs. */
  proxyInstances(proxy: MeshProxy): WorkloadInstance[] {
    const byId = this.instances.filter((i) => i.proxyId === proxy.id);
    if (byId.length > 0) return byId;
    // On one machine every workload is 127.0.0.1: a loopback address says nothing about who is who.
    const ips = new Set(proxy.ips.filter((ip) => !ip.startsWith('127.') && ip !== '::1'));
    if (ips.size === 0) return [];
    return this.instances.filter(
      (i) => i.proxyId === undefined && ips.has(i.address) && i.namespace === proxy.namespace,
    );
  }

  /** VirtualServices bound to `gateway` (`mesh` or `ns/name`) and visible from `namespace`, in name order. */
  virtualServices(gateway: string, namespace: string): IndexedVirtualService[] {
    const list = this.vsByGateway.get(gateway) ?? [];
    // Gateway-bound VirtualServices apply whatever their exportTo (the gateway named them); mesh ones honour it.
    if (gateway !== 'mesh') return list;
    return list.filter((v) =>
      isExportedTo(v.resource.spec.exportTo, v.resource.metadata.namespace, namespace),
    );
  }

  /** A delegate VirtualService by name; `namespace` defaults to the parent's. */
  delegate(name: string, namespace: string): IndexedVirtualService | undefined {
    return this.delegates.get(`${namespace}/${name}`);
  }

  /** PeerAuthentications of one namespace, in name order. */
  peerAuthentications(namespace: string): readonly Resource<PeerAuthenticationSpec>[] {
    return this.peerAuthnByNamespace.get(namespace) ?? [];
  }

  gateway(key: string): Resource<GatewaySpec> | undefined {
    return this.gateways.get(key);
  }

  /** Gateways whose selector matches a router proxy's labels. */
  gatewaysFor(proxy: MeshProxy): Resource<GatewaySpec>[] {
    return [...this.gateways.values()].filter((g) => {
      const sel = g.spec.selector;
      if (alternateSelectorMatches(g, proxy.labels)) return true;
      return sel !== undefined && Object.keys(sel).length > 0 && labelsMatch(sel, proxy.labels);
    });
  }

  /**
   * The DestinationRule for `host` as seen from `proxyNamespace`, in Istio's order: the proxy's namespace,
   * then the service's namespace, then the root namespace, then any other namespace exporting one; inside a
   * namespace the most specific host wins (exact, then the longest wildcard).
   */
  destinationRule(
    proxyNamespace: string,
    host: string,
    serviceNamespace?: string,
  ): IndexedDestinationRule | undefined {
    // Every proxy asks this for every host it sees: answered once per (namespace, host) per snapshot.
    const key = `${proxyNamespace}|${host}|${serviceNamespace ?? ''}`;
    const cached = this.drLookups.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.findDestinationRule(proxyNamespace, host, serviceNamespace);
    this.drLookups.set(key, found ?? null);
    return found;
  }

  private findDestinationRule(
    proxyNamespace: string,
    host: string,
    serviceNamespace?: string,
  ): IndexedDestinationRule | undefined {
    const order = [proxyNamespace];
    if (serviceNamespace && !order.includes(serviceNamespace)) order.push(serviceNamespace);
    if (!order.includes(this.mesh.rootNamespace)) order.push(this.mesh.rootNamespace);
    for (const ns of order) {
      const found = this.bestDr(ns, host, proxyNamespace);
      if (found) return found;
    }
    for (const ns of [...this.drsByNamespace.keys()].sort()) {
      if (order.includes(ns)) continue;
      const found = this.bestDr(ns, host, proxyNamespace);
      if (found) return found;
    }
    return undefined;
  }

  private bestDr(ns: string, host: string, proxyNamespace: string): IndexedDestinationRule | undefined {
    let best: IndexedDestinationRule | undefined;
    for (const dr of this.drsByNamespace.get(ns) ?? []) {
      if (!hostMatches(dr.host, host)) continue;
      if (!isExportedTo(dr.resource.spec.exportTo, ns, proxyNamespace) && ns !== this.mesh.rootNamespace)
        continue;
      if (dr.resource.spec.workloadSelector) continue; // workload-scoped DRs need the proxy; not applied yet
      if (dr.host === host) return dr;
      if (!best || dr.host.length > best.host.length) best = dr;
    }
    return best;
  }

  /** The Sidecar resource scoping a proxy: workload-selected in its namespace, namespace default, root default. */
  sidecarFor(proxy: MeshProxy): Resource<SidecarSpec> | undefined {
    const local = this.sidecarsByNamespace.get(proxy.namespace) ?? [];
    const selected = local.find((s) => {
      const labels = s.spec.workloadSelector?.labels;
      return labels !== undefined && Object.keys(labels).length > 0 && labelsMatch(labels, proxy.labels);
    });
    if (selected) return selected;
    const nsDefault = local.find((s) => !s.spec.workloadSelector?.labels);
    if (nsDefault) return nsDefault;
    return (this.sidecarsByNamespace.get(this.mesh.rootNamespace) ?? []).find(
      (s) => !s.spec.workloadSelector?.labels,
    );
  }

  /**
   * Services a proxy may see: exported to its namespace and, for sidecars with a Sidecar resource, listed in
   * its egress hosts (`ns/host`, where ns is a name, `*` or `.`; host a name, `*` or `*.suffix`).
   */
  visibleServices(proxy: MeshProxy): Service[] {
    const exported = this.services.filter((s) => isExportedTo(s.exportTo, s.namespace, proxy.namespace));
    if (proxy.type !== 'sidecar') return exported;
    const sidecar = this.sidecarFor(proxy);
    const egress = sidecar?.spec.egress;
    if (!sidecar || !egress || egress.length === 0) return exported;
    const sidecarNs = sidecar.metadata.namespace;
    const patterns = egress.flatMap((e) => e.hosts);
    return exported.filter((s) =>
      patterns.some((p) =>
        egressHostMatches(p, s, sidecarNs === this.mesh.rootNamespace ? proxy.namespace : sidecarNs),
      ),
    );
  }
}

function egressHostMatches(pattern: string, service: Service, ownNamespace: string): boolean {
  const slash = pattern.indexOf('/');
  const ns = slash < 0 ? '*' : pattern.slice(0, slash);
  const host = slash < 0 ? pattern : pattern.slice(slash + 1);
  if (ns === '~') return false;
  if (ns !== '*' && (ns === '.' ? ownNamespace : ns) !== service.namespace) return false;
  return hostMatches(host, service.hostname);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
