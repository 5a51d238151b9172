// Turns a Mesh file into what `trellis up` starts: the resources the control plane serves (copied into its
// config directory), one workload per replica, the ingress gateway's ports and the URLs to print.
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
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
import type { SupervisorOptions } from './supervisor.js';

export interface MeshPlan {
  mesh: Resource<MeshSpec>;
  workloads: SupervisorOptions['workloads'];
  gatewayPorts: number[];
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
      });
    }
  }

  const gateways = loaded.resources.filter(
    (r) => r.kind === 'Gateway' && r.apiVersion.startsWith('networking.istio.io/'),
  ) as Resource<GatewaySpec>[];
  const gatewayPorts = [...new Set(gateways.flatMap((g) => g.spec.servers.map((s) => s.port.number)))];
  const urls: string[] = [];
  for (const g of gateways) {
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
    for (const s of g.spec.servers) urls.push(`http://127.0.0.1:${s.port.number}${path}`);
  }
  return { mesh, workloads, gatewayPorts, urls: [...new Set(urls)] };
}
