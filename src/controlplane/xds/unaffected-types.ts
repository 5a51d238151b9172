// Which xDS types a snapshot change cannot affect, so a push skips generating them (Istio skips per
// config kind the same way). Derived from the two snapshots, not from what the caller says changed: the
// config kinds whose content differs, and whether services, instances or mesh settings differ at all.
import type { VirtualServiceSpec } from '../../api/index.js';
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

interface ResourceChange {
  kind: string;
  before?: Resource;
  after?: Resource;
}

/** The resources added, removed or changed in content between two snapshots. */
function changedResources(before: Snapshot, after: Snapshot): ResourceChange[] {
  const old = new Map(before.configs.map((r) => [identity(r), r]));
  const out: ResourceChange[] = [];
  for (const r of after.configs) {
    const id = identity(r);
    const prev = old.get(id);
    old.delete(id);
    if (prev !== r && contentId(prev) !== contentId(r))
      out.push({ kind: r.kind, after: r, ...(prev ? { before: prev } : {}) });
  }
  for (const r of old.values()) out.push({ kind: r.kind, before: r });
  return out;
}

/** The config kinds whose resources were added, removed or changed in content between two snapshots. */
export function changedKinds(before: Snapshot, after: Snapshot): Set<string> {
  return new Set(changedResources(before, after).map((c) => c.kind));
}

/** What of a VirtualService listeners may read: which hosts and gateways it binds, where it is visible, L4 routes. */
function listenerFacingPart(r: Resource): string | undefined {
  const spec = r.spec as VirtualServiceSpec;
  // Gateway-bound VirtualServices feed gateway listeners (TLS and TCP servers): not judged here.
  if ((spec.gateways ?? []).some((g) => g !== 'mesh')) return undefined;
  return JSON.stringify([spec.hosts ?? [], spec.exportTo ?? [], spec.tcp ?? [], spec.tls ?? []]);
}

/**
 * Whether a VirtualService change leaves every listener as it was: an update in place of a mesh-only
 * VirtualService that keeps its hosts, exportTo, tcp and tls routes (sidecar listeners read only those, to
 * choose the VirtualService of a TCP or TLS port and its L4 routes; HTTP routes travel by RDS).
 */
function httpRoutesOnly(c: ResourceChange): boolean {
  if (c.kind !== 'VirtualService' || !c.before || !c.after) return false;
  const before = listenerFacingPart(c.before);
  return before !== undefined && before === listenerFacingPart(c.after);
}

/**
 * The Envoy xDS types no proxy's config can differ in between `before` and `after`: empty unless every
 * difference is in config kinds listed above (a service, an endpoint or mesh settings changing, or no
 * visible difference at all, skips nothing). Listeners are skipped too when every change only edits the
 * HTTP routes of mesh VirtualServices.
 */
export function unaffectedTypes(before: Snapshot, after: Snapshot): Set<string> {
  if (before === after || registryOf(before) !== registryOf(after)) return new Set();
  const changes = changedResources(before, after);
  let out: Set<string> | undefined;
  for (const kind of new Set(changes.map((c) => c.kind))) {
    const independent = new Set(INDEPENDENT_TYPES[kind] ?? []);
    out = out ? new Set([...out].filter((t) => independent.has(t))) : independent;
    if (out.size === 0) break;
  }
  // Nothing changed that we know of: the caller asked for a push anyway, so nothing is skipped.
  if (!out) return new Set();
  if (out.size > 0 && changes.every(httpRoutesOnly)) out.add(TYPE_URLS.listener);
  return out;
}
