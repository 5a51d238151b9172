// Test support: a snapshot from one YAML text — config validated by src/api, services and instances from
// the real registry (Kubernetes Services, ServiceEntries, WorkloadEntries) through the translator's adapter.
import { parseDocuments } from '../../src/api/loader.js';
import type { Resource } from '../../src/api/resource.js';
import { validateDocument } from '../../src/api/validate.js';
import { fromRegistry } from '../../src/controlplane/model/from-registry.js';
import { type MeshSettings, meshSettings } from '../../src/controlplane/model/mesh.js';
import { Snapshot } from '../../src/controlplane/model/snapshot.js';
import type { WorkloadInstance as RegistryInstance } from '../../src/registry/model.js';
import { RegistrySnapshot } from '../../src/registry/snapshot.js';

/** Validated resources of a YAML text; throws with every error (a test fixture must be valid). */
export function resourcesFromYaml(text: string): Resource[] {
  const { documents, errors } = parseDocuments(text, 'test.yaml');
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('\n'));
  const out: Resource[] = [];
  for (const doc of documents) {
    const r = validateDocument(doc);
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    if (!r.resource || errs.length > 0)
      throw new Error(errs.map((e) => `line ${e.line} ${e.path}: ${e.message}`).join('\n'));
    out.push(r.resource);
  }
  return out;
}

export function snapshotFromResources(
  resources: readonly Resource[],
  mesh: Partial<MeshSettings> = {},
  local: readonly RegistryInstance[] = [],
): Snapshot {
  const settings = meshSettings(mesh);
  const registry = new RegistrySnapshot({ resources, local, domain: settings.domain });
  const { services, instances } = fromRegistry(registry.services, (h, p) => registry.instancesOf(h, p));
  return new Snapshot({ configs: resources, services, instances, mesh: settings, version: '1' });
}

export function snapshotFromYaml(
  text: string,
  mesh: Partial<MeshSettings> = {},
  local: readonly RegistryInstance[] = [],
): Snapshot {
  return snapshotFromResources(resourcesFromYaml(text), mesh, local);
}
