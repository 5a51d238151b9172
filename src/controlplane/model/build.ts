// Builds a Snapshot from the live sources: every resource in the config store and the services and
// instances the registry currently holds.
import type { ConfigStore } from '../../config/store.js';
import type { ServiceRegistry } from '../../registry/registry.js';
import { fromRegistry } from './from-registry.js';
import type { MeshSettings } from './mesh.js';
import { Snapshot } from './snapshot.js';

export function buildSnapshot(
  store: ConfigStore,
  registry: ServiceRegistry,
  mesh: MeshSettings,
  version: string,
): Snapshot {
  const { services, instances } = fromRegistry(registry.services(), (h, p) => registry.instancesOf(h, p));
  return new Snapshot({ configs: store.all(), services, instances, mesh, version });
}
