// Which xDS types a snapshot change cannot affect, so a push skips generating them (Istio skips per
// config kind the same way). Derived from the two snapshots, not from what the caller says changed: the
// config kinds whose content differs, and whether services, instances or mesh settings differ at all.
import type { Resource } from '../../api/resource.js';
import type { Snapshot } from '../model/snapshot.js';
import { contentId } from '../translate/cache.js';
import { TYPE_URLS } from '../translate/generators.js';

/**
 * Envoy xDS types whose generators never read a config kind (directly or through the snapshot's indexes):
 * clusters and endpoints come from services, instances, DestinationRules, PeerAuthentications and mesh
 * settings, never from VirtualServices (which only shape listeners and route configs).
 */
const INDEPENDENT_TYPES: Readonly<Record<string, readonly string[]>> = {
  VirtualService: [TYPE_URLS.cluster, TYPE_URLS.endpoint],
};

const registryText = new WeakMap<Snapshot, string>();

function registryOf(s: Snapshot): string {
  let text = registryText.get(s);
  if (text === undefined) {
    text = JSON.stringify([s.services, s.instances, s.mesh]);
    registryText.set(s, text);
  }
  return text;
}

const identity = (r: Resource) => `${r.kind}|${r.metadata.namespace}|${r.metadata.name}`;

/** The config kinds whose resources were added, removed or changed in content between two snapshots. */
export function changedKinds(before: Snapshot, after: Snapshot): Set<string> {
  const old = new Map(before.configs.map((r) => [identity(r), r]));
  const kinds = new Set<string>();
  for (const r of after.configs) {
    const id = identity(r);
    const prev = old.get(id);
    old.delete(id);
    if (prev !== r && contentId(prev) !== contentId(r)) kinds.add(r.kind);
  }
  for (const r of old.values()) kinds.add(r.kind);
  return kinds;
}

/**
 * The Envoy xDS types no proxy's config can differ in between `before` and `after`: empty unless every
 * difference is in config kinds listed above (a service, an endpoint or mesh settings changing, or no
 * visible difference at all, skips nothing).
 */
export function unaffectedTypes(before: Snapshot, after: Snapshot): Set<string> {
  if (before === after || registryOf(before) !== registryOf(after)) return new Set();
  let out: Set<string> | undefined;
  for (const kind of changedKinds(before, after)) {
    const independent = new Set(INDEPENDENT_TYPES[kind] ?? []);
    out = out ? new Set([...out].filter((t) => independent.has(t))) : independent;
    if (out.size === 0) break;
  }
  // Nothing changed that we know of: the caller asked for a push anyway, so nothing is skipped.
  return out ?? new Set();
}
