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
