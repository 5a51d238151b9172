// Per-snapshot memoization of translated pieces that many proxies share (a service's clusters, an
// endpoint set, a virtual host). Keys must name every input the piece depends on besides the snapshot;
// entries die with their snapshot.
import type { Snapshot } from '../model/snapshot.js';

const caches = new WeakMap<Snapshot, Map<string, unknown>>();

export function memo<T>(snapshot: Snapshot, key: string, build: () => T): T {
  let cache = caches.get(snapshot);
  if (!cache) {
    cache = new Map();
    caches.set(snapshot, cache);
  }
  if (cache.has(key)) return cache.get(key) as T;
  const value = build();
  cache.set(key, value);
  return value;
}

/** Identity of a config resource inside one snapshot, for cache keys ('' when none). */
export function resourceKey(r: { metadata: { namespace: string; name: string } } | undefined): string {
  return r ? `${r.metadata.namespace}/${r.metadata.name}` : '';
}

const ids = new WeakMap<object, number>();
let nextId = 1;

/** A stable number for an object's identity (store resources are frozen and reused while unchanged). */
export function objectId(o: object | undefined): number {
  if (!o) return 0;
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

/** Entries kept by the cross-snapshot maps before they are dropped whole. */
const MAX_SHARED = 50_000;
const contentIds = new WeakMap<object, number>();
const idsByContent = new Map<string, number>();
let nextContentId = 1;

/**
 * A number standing for a config resource's content (apiVersion, kind, metadata, spec; not where it was read
 * from): equal content, equal number. A file store re-reads every resource of an edited file as a new
 * object, so identity would miss for the unchanged ones. Numbers are never reused: bounding the map only
 * costs hits.
 */
export function contentId(
  r: { apiVersion: string; kind: string; metadata: unknown; spec: unknown } | undefined,
): number {
  if (!r) return 0;
  let id = contentIds.get(r);
  if (id === undefined) {
    const content = JSON.stringify([r.apiVersion, r.kind, r.metadata, r.spec]);
    id = idsByContent.get(content);
    if (id === undefined) {
      if (idsByContent.size >= MAX_SHARED) idsByContent.clear();
      id = nextContentId++;
      idsByContent.set(content, id);
    }
    contentIds.set(r, id);
  }
  return id;
}

const shared = new Map<string, unknown>();

/**
 * Memoization across snapshots, for pieces whose key names every input by content or by the identity of an
 * immutable object (a stored resource). Bounded: the whole map is dropped when it grows past its limit.
 */
export function memoAcross<T>(key: string, build: () => T): T {
  if (shared.has(key)) return shared.get(key) as T;
  const value = build();
  if (shared.size >= MAX_SHARED) shared.clear();
  shared.set(key, value);
  return value;
}
