// Test support: a tiny registry from YAML (Kubernetes Services + WorkloadEntries + ServiceEntries) and config
// from YAML (validated by src/api where it knows the kind), so simulation tests are one YAML text each.

import { labelsMatch } from '../../src/api/labels.js';
import { parseDocuments } from '../../src/api/loader.js';
import type { Resource } from '../../src/api/resource.js';
import { findKind, validateDocument } from '../../src/api/validate.js';
import { type MeshSettings, meshSettings } from '../../src/controlplane/model/mesh.js';
import { protocolOf, type Service, type WorkloadInstance } from '../../src/controlplane/model/service.js';
import { Snapshot } from '../../src/controlplane/model/snapshot.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter(([, x]) => typeof x === 'string')) as Record<
    string,
    string
  >;

export interface LoadedMesh {
  configs: Resource[];
  services: Service[];
  instances: WorkloadInstance[];
}

/** Parses YAML into config resources, services and instances; throws on any validation error. */
export function loadMeshYaml(text: string, domain = 'cluster.local'): LoadedMesh {
  const { documents, errors } = parseDocuments(text, 'test.yaml');
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('\n'));
  const configs: Resource[] = [];
  const k8sServices: Obj[] = [];
  const entries: Obj[] = [];
  const serviceEntries: Obj[] = [];
  for (const doc of documents) {
    const data = obj(doc.data);
    const kind = String(data.kind);
    if (kind === 'Service') k8sServices.push(data);
    else if (kind === 'WorkloadEntry') entries.push(data);
    else if (kind === 'ServiceEntry') serviceEntries.push(data);
    if (kind === 'Service' || kind === 'WorkloadEntry' || kind === 'ServiceEntry') continue;
    if (findKind(String(data.apiVersion), kind)) {
      const r = validateDocument(doc);
      const errs = r.diagnostics.filter((d) => d.severity === 'error');
      if (!r.resource || errs.length > 0)
        throw new Error(errs.map((e) => `${e.path}: ${e.message}`).join('\n'));
      configs.push(r.resource);
    } else {
      const md = obj(data.metadata);
      configs.push({
        apiVersion: String(data.apiVersion),
        kind,
        metadata: {
          name: String(md.name),
          namespace: String(md.namespace ?? 'default'),
          labels: strMap(md.labels),
          annotations: {},
        },
        spec: obj(data.spec),
        source: { file: 'test.yaml', line: doc.line },
      } as Resource);
    }
  }
  const services: Service[] = [];
  const instances: WorkloadInstance[] = [];
  for (const s of k8sServices) {
    const md = obj(s.metadata);
    const spec = obj(s.spec);
    const ns = String(md.namespace ?? 'default');
    const ports = arr(spec.ports).map((p) => {
      const po = obj(p);
      const name = String(po.name ?? '');
      return {
        name,
        port: Number(po.port),
        protocol: protocolOf(name, po.appProtocol as string | undefined),
        targetPort: po.targetPort === undefined ? undefined : Number(po.targetPort),
      };
    });
    const service: Service = {
      hostname: `${md.name}.${ns}.svc.${domain}`,
      name: String(md.name),
      namespace: ns,
      ports,
      addresses: spec.clusterIP ? [String(spec.clusterIP)] : [],
      resolution: 'EDS',
      meshExternal: false,
    };
    const exportTo = strMap(md.annotations)['networking.istio.io/exportTo'];
    if (exportTo) service.exportTo = exportTo.split(',');
    services.push(service);
    const selector = strMap(spec.selector);
    for (const we of entries) {
      const wmd = obj(we.metadata);
      const wspec = obj(we.spec);
      const labels = strMap(wspec.labels);
      if (String(wmd.namespace ?? 'default') !== ns || !labelsMatch(selector, labels)) continue;
      const wePorts = obj(wspec.ports);
      for (const p of ports) {
        const inst: WorkloadInstance = {
          serviceHostname: service.hostname,
          servicePort: p.port,
          address: String(wspec.address),
          port: Number(wePorts[p.name] ?? p.targetPort ?? p.port),
          labels,
          namespace: ns,
          serviceAccount: String(wspec.serviceAccount ?? 'default'),
        };
        if (wspec.locality) inst.locality = String(wspec.locality);
        if (wspec.weight) inst.weight = Number(wspec.weight);
        if (obj(wmd.annotations)['trellis.io/proxy-id'])
          inst.proxyId = String(obj(wmd.annotations)['trellis.io/proxy-id']);
        instances.push(inst);
      }
    }
  }
  for (const se of serviceEntries) {
    const md = obj(se.metadata);
    const spec = obj(se.spec);
    const ns = String(md.namespace ?? 'default');
    const ports = arr(spec.ports).map((p) => {
      const po = obj(p);
      return {
        name: String(po.name ?? ''),
        port: Number(po.number),
        protocol: protocolOf('', String(po.protocol ?? 'TCP')),
        targetPort: po.targetPort === undefined ? undefined : Number(po.targetPort),
      };
    });
    for (const host of arr(spec.hosts).map(String)) {
      const resolution =
        spec.resolution === 'DNS' ? 'DNS' : spec.resolution === 'NONE' ? 'PASSTHROUGH' : 'EDS';
      const service: Service = {
        hostname: host,
        name: host,
        namespace: ns,
        ports,
        addresses: arr(spec.addresses).map(String),
        resolution,
        meshExternal: spec.location !== 'MESH_INTERNAL',
      };
      if (spec.exportTo) service.exportTo = arr(spec.exportTo).map(String);
      services.push(service);
      for (const ep of arr(spec.endpoints)) {
        const e = obj(ep);
        for (const p of ports) {
          instances.push({
            serviceHostname: host,
            servicePort: p.port,
            address: String(e.address),
            port: Number(obj(e.ports)[p.name] ?? p.targetPort ?? p.port),
            labels: strMap(e.labels),
            namespace: ns,
            serviceAccount: 'default',
            ...(e.locality ? { locality: String(e.locality) } : {}),
          });
        }
      }
    }
  }
  return { configs, services, instances };
}

export function snapshotFromYaml(text: string, mesh: Partial<MeshSettings> = {}): Snapshot {
  const settings = meshSettings(mesh);
  const loaded = loadMeshYaml(text, settings.domain);
  return new Snapshot({ ...loaded, mesh: settings, version: '1' });
}
