// Turns a Mesh file into what `trellis up` starts: the resources the control plane serves (copied into its
// config directory), one workload per replica, the ingress gateway's ports, the egress gateway's (with the
// ServiceEntry that names it in the mesh) and the URLs to print.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  formatDiagnostic,
  type GatewaySpec,
  hasErrors,
  loadAndValidate,
  type MeshSpec,
  meshWorkloads,
  type Resource,
  type VirtualServiceSpec,
} from '../api/index.js';
import { labelsMatch } from '../api/labels.js';
import type { SupervisorOptions } from './supervisor.js';

export interface MeshPlan {
  mesh: Resource<MeshSpec>;
  workloads: SupervisorOptions['workloads'];
  gatewayPorts: number[];
  /** Ports of the Gateways selecting the egress gateway (empty unless the Mesh has `egressGateway: true`). */
  egressGatewayPorts: number[];
  /** URLs a person opens first, e.g. http://127.0.0.1:8080/productpage. */
  urls: string[];
}

function listFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) => listFiles(join(path, n)))
    .filter((f) => /\.(ya?ml|json)$/.test(f));
}

/** Reads and validates the Mesh file and its config; fills `configDir` with them. Throws with every finding. */
export async function planMesh(meshFile: string, configDir: string): Promise<MeshPlan> {
  const meshPath = resolve(meshFile);
  const { resources, diagnostics } = await loadAndValidate([meshPath]);
  const mesh = resources.find((r) => r.kind === 'Mesh') as Resource<MeshSpec> | undefined;
  const problems = diagnostics.filter((d) => d.severity === 'error');
  if (problems.length > 0 || !mesh) {
    const lines = problems.map(formatDiagnostic);
    throw new Error(
      lines.length > 0
        ? lines.join('\n')
        : `${meshFile}: no Mesh resource (kind: Mesh, apiVersion: trellis.dev/v1alpha1)`,
    );
  }
  const base = dirname(meshPath);
  const configFiles = [meshPath, ...(mesh.spec.config ?? []).flatMap((p) => listFiles(resolve(base, p)))];
  const loaded = await loadAndValidate(configFiles);
  if (hasErrors(loaded.diagnostics)) {
    throw new Error(
      loaded.diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n'),
    );
  }
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(configDir, { recursive: true });
  for (const f of configFiles) {
    const rel = relative(base, f).replace(/\.\.\//g, '_/');
    const target = join(configDir, rel.includes('/') ? rel : basename(f));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(f, target);
  }

  const workloads: MeshPlan['workloads'] = [];
  for (const w of meshWorkloads(mesh.spec)) {
    const name = w.version ? `${w.service}-${w.version}` : w.service;
    for (let i = 0; i < w.replicas; i++) {
      const replica = w.replicas > 1 ? `${name}-${i}` : name;
      const command = Array.isArray(w.command) ? w.command : ['/bin/sh', '-c', w.command];
      workloads.push({
        replicaOf: name,
        identity: {
          type: 'sidecar',
          name: replica,
          namespace: w.namespace,
          labels: w.labels,
          serviceAccount: w.serviceAccount,
          domain: mesh.spec.domain,
        },
        ports: w.ports.map((p) => ({ name: p.name, port: p.port })),
        command,
        env: w.env,
        cwd: base,
        logPrefix: `[${replica}]`,
        ...(w.proxyless ? { proxyless: true } : {}),
      });
    }
  }

  const gateways = loaded.resources.filter(
    (r) => r.kind === 'Gateway' && r.apiVersion.startsWith('networking.istio.io/'),
  ) as Resource<GatewaySpec>[];
  const egressGateways = mesh.spec.egressGateway
    ? gateways.filter((g) => g.spec.selector && labelsMatch(g.spec.selector, EGRESS_GATEWAY_LABELS))
    : [];
  const ingressGateways = gateways.filter((g) => !egressGateways.includes(g));
  const portsOf = (list: Resource<GatewaySpec>[]) => [
    ...new Set(list.flatMap((g) => g.spec.servers.map((s) => s.port.number))),
  ];
  const gatewayPorts = portsOf(ingressGateways);
  const egressGatewayPorts = portsOf(egressGateways);
  const shared = egressGatewayPorts.filter((p) => gatewayPorts.includes(p));
  if (shared.length > 0) {
    // Both gateways listen on 127.0.0.1: one machine cannot give them the same port.
    throw new Error(
      `${meshFile}: ingress and egress Gateways both use port ${shared.join(', ')}; on one machine they need different ports`,
    );
  }
  if (egressGateways.length > 0) {
    writeFileSync(
      join(configDir, EGRESS_SERVICE_ENTRY_FILE),
      egressGatewayServiceEntry(mesh.spec.domain, egressGateways),
    );
  }
  const urls: string[] = [];
  for (const g of ingressGateways) {
    const bound = (
      loaded.resources.filter((r) => r.kind === 'VirtualService') as Resource<VirtualServiceSpec>[]
    ).filter((vs) =>
      (vs.spec.gateways ?? []).some(
        (ref) => ref === g.metadata.name || ref === `${g.metadata.namespace}/${g.metadata.name}`,
      ),
    );
    const path =
      bound
        .flatMap((vs) => vs.spec.http ?? [])
        .flatMap((h) => h.match ?? [])
        .find((m) => m.uri?.exact)?.uri?.exact ?? '/';
    for (const s of g.spec.servers) {
      const proto = s.port.protocol.toUpperCase();
      // TLS-only servers have no URL to open; HTTPS ones are reached by their host name (SNI).
      if (proto === 'TLS' || proto === 'TCP') continue;
      const host = s.hosts.map((h) => h.slice(h.indexOf('/') + 1)).find((h) => !h.includes('*'));
      if (proto === 'HTTPS' && host)
        urls.push(`https://${host}:${s.port.number}${path} (resolve ${host} to 127.0.0.1)`);
      else urls.push(`http://127.0.0.1:${s.port.number}${path}`);
    }
  }
  return { mesh, workloads, gatewayPorts, egressGatewayPorts, urls: [...new Set(urls)] };
}

/** Labels of the egress gateway `trellis up` runs (Istio's istio-egressgateway deployment's). */
export const EGRESS_GATEWAY_LABELS: Readonly<Record<string, string>> = {
  app: 'istio-egressgateway',
  istio: 'egressgateway',
};

/** The egress gateway's service account (its SPIFFE identity's last part), as in Istio's deployment. */
export const EGRESS_SERVICE_ACCOUNT = 'istio-egressgateway-service-account';

/** The generated file, in the control plane's config directory, that registers the egress gateway. */
export const EGRESS_SERVICE_ENTRY_FILE = 'trellis-egressgateway.yaml';

/**
 * The egress gateway's ports as planned into `configDir` (none when the mesh runs no egress gateway): lets
 * the supervisor start it from the config directory alone.
 */
export function plannedEgressGatewayPorts(configDir: string): number[] {
  const file = join(configDir, EGRESS_SERVICE_ENTRY_FILE);
  if (!existsSync(file)) return [];
  const doc: unknown = parse(readFileSync(file, 'utf8'));
  const ports = (doc as { spec?: { ports?: { number?: unknown }[] } } | null)?.spec?.ports ?? [];
  return ports.map((p) => p.number).filter((n): n is number => typeof n === 'number');
}

/**
 * What the Kubernetes Service of Istio's egress gateway does: names `istio-egressgateway.istio-system.svc.<domain>`
 * in the mesh with one port per egress Gateway server port, all at 127.0.0.1 where the gateway listens.
 */
export function egressGatewayServiceEntry(domain: string, gateways: Resource<GatewaySpec>[]): string {
  const ports = new Map<number, string>();
  for (const g of gateways) {
    for (const s of g.spec.servers) {
      if (!ports.has(s.port.number)) ports.set(s.port.number, s.port.protocol.toUpperCase());
    }
  }
  const portLines = [...ports]
    .sort((a, b) => a[0] - b[0])
    .map(([n, p]) => `  - { number: ${n}, name: ${p.toLowerCase()}-${n}, protocol: ${p} }`);
  const labels = Object.entries(EGRESS_GATEWAY_LABELS)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return [
    `# Generated by trellis up: the egress gateway as a mesh service (Istio's istio-egressgateway Service).`,
    'apiVersion: networking.istio.io/v1',
    'kind: ServiceEntry',
    'metadata: { name: istio-egressgateway, namespace: istio-system }',
    'spec:',
    `  hosts: [istio-egressgateway.istio-system.svc.${domain}]`,
    '  location: MESH_INTERNAL',
    '  resolution: STATIC',
    '  ports:',
    ...portLines,
    // The gateway's identity (for DestinationRules with ISTIO_MUTUAL towards it) without auto mTLS: like
    // Istio's gateway pods, it has no sidecar, and plain-text Gateway servers must get plain text.
    '  endpoints:',
    '  - address: 127.0.0.1',
    `    serviceAccount: ${EGRESS_SERVICE_ACCOUNT}`,
    `    labels: { ${labels}, security.istio.io/tlsMode: disabled }`,
    '',
  ].join('\n');
}
