// Memoization of translated pieces that many proxies share (a service's clusters, an endpoint set, a virtual
// host): per snapshot (keys name every input besides the snapshot; entries die with it) and across snapshots
// (keys name every input by content; entries live while recent snapshots use them).
import type { Snapshot } from '../model/snapshot.js';

const caches = new WeakMap<Snapshot, Map<string, unknown>>();

export function memo<T>(snapshot: Snapshot, key: string, build: () => T): T {
  let cache = caches.get(snapshot);
  if (!cache) {
    cache = new Map();
    caches.set(snapshot, cache);
  }
  // One lookup on a hit; `has` only for values that are undefined.
  const cached = cache.get(key);
  if (cached !== undefined || cache.has(key)) return cached as T;
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

/** Values by key, each stamped with the last generation (snapshot) that used it. */
class RecentlyUsed<V> {
  private readonly entries = new Map<string, { value: V; used: number }>();

  /** Generation `now` begins: entries that neither it nor the one before it used are dropped. */
  sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.used < now - 1) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries the generation `now` used, and the others still kept. */
  sizes(now: number): { current: number; previous: number } {
    let current = 0;
    for (const entry of this.entries.values()) if (entry.used === now) current++;
    return { current, previous: this.entries.size - current };
  }

  /** The value under `key` (stamped as used by `now`), else built and stored. */
  getOrBuild(key: string, now: number, build: () => V): V {
    const entry = this.entries.get(key);
    if (entry) {
      entry.used = now;
      return entry.value;
    }
    const value = build();
    this.entries.set(key, { value, used: now });
    return value;
  }
}

/** Order in which snapshots were first translated (1, 2, …): a snapshot seen later is newer. */
const generations = new WeakMap<Snapshot, number>();
let lastGeneration = 0;
let currentGeneration = 0;
/** Pieces cached across snapshots, and the numbers given to JSON texts (see jsonId). */
const pieces = new RecentlyUsed<unknown>();
const textIds = new RecentlyUsed<number>();

/** Notes that `snapshot` is being translated; the first time a newer snapshot is seen, generations turn. */
function enter(snapshot: Snapshot): void {
  let g = generations.get(snapshot);
  if (g === undefined) {
    g = ++lastGeneration;
    generations.set(snapshot, g);
  }
  if (g > currentGeneration) {
    currentGeneration = g;
    pieces.sweep(g);
    textIds.sweep(g);
  }
}

const jsonIds = new WeakMap<Snapshot, WeakMap<object, number>>();
let nextJsonId = 1;

/**
 * A number standing for a plain value's JSON content (a service, a workload instance list): equal content,
 * equal number. The registry builds new objects for every snapshot, so identity alone would never match
 * across snapshots; the text is computed once per object and snapshot (a snapshot and what it holds are
 * never mutated, but an object handed to two snapshots may have changed in between). Texts are kept like
 * cached pieces (while recent snapshots use them); numbers are never reused, so a dropped text costs a miss.
 */
export function jsonId(snapshot: Snapshot, value: object | undefined): number {
  if (!value) return 0;
  let ids = jsonIds.get(snapshot);
  if (!ids) {
    ids = new WeakMap();
    jsonIds.set(snapshot, ids);
  }
  let id = ids.get(value);
  if (id === undefined) {
    enter(snapshot);
    id = textIds.getOrBuild(JSON.stringify(value), currentGeneration, () => nextJsonId++);
    ids.set(value, id);
  }
  return id;
}

/**
 * Memoization across snapshots for pieces whose key names every input by content (never by the identity of
 * something a new snapshot rebuilds). Bounded by use: when a newer snapshot is first translated, entries the
 * snapshot before it did not use are dropped. Translating an older snapshot meanwhile counts as use by the
 * newest one.
 */
export function memoAcrossSnapshots<T>(snapshot: Snapshot, key: string, build: () => T): T {
  if (!acrossSnapshotsOn) return build();
  enter(snapshot);
  return pieces.getOrBuild(key, currentGeneration, build) as T;
}

/** Entries held across snapshots: the current generation's and the one before (for tests and debugging). */
export function acrossSnapshotsSize(): { current: number; previous: number } {
  return pieces.sizes(currentGeneration);
}

/** Forgets every entry held across snapshots (tests compare cached results with ones built from scratch). */
export function clearAcrossSnapshots(): void {
  pieces.clear();
  textIds.clear();
}

let acrossSnapshotsOn = true;

/**
 * Runs `fn` with memoAcrossSnapshots building every time (and storing nothing): the reference that tests
 * compare cached translations with, so two pieces wrongly sharing a key show up even inside one translation.
 */
export function withoutAcrossSnapshots<T>(fn: () => T): T {
  const was = acrossSnapshotsOn;
  acrossSnapshotsOn = false;
  try {
    return fn();
  } finally {
    acrossSnapshotsOn = was;
  }
}
