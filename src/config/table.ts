// The in-memory index every backend keeps: frozen resources by key, the revision, and watcher fan-out.
import { copyLines } from '../api/resource.js';
import type { Resource } from './api.js';
import { describeKey, keyOf, keyString, normalizeKind, type ResourceKey } from './kinds.js';
import type { ConfigEvent, ConfigEventHandler, SourceDiagnostics, StoredResource } from './store.js';

/**
 * Deeply freezes a structured clone of `value`, leaving the caller's object untouched. The copy keeps the
 * original's field lines, so findings about a stored resource name the line of the field, not the document.
 */
export function frozenCopy<T>(value: T): T {
  const copy = structuredClone(value);
  if (typeof value === 'object' && value !== null) copyLines(value, copy as object);
  return deepFreeze(copy);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** JSON with object keys sorted, so equal content compares equal whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** Whether two resources carry the same content; where they were read from (`source`) does not count. */
export function sameContent(a: Resource, b: Resource): boolean {
  return (
    canonicalJson({ apiVersion: a.apiVersion, kind: a.kind, metadata: a.metadata, spec: a.spec }) ===
    canonicalJson({ apiVersion: b.apiVersion, kind: b.kind, metadata: b.metadata, spec: b.spec })
  );
}

function sameSource(a: Resource['source'], b: Resource['source']): boolean {
  return a.file === b.file && a.line === b.line;
}

function compareKeys(a: ResourceKey, b: ResourceKey): number {
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return 0;
}

export class ResourceTable {
  private readonly byKey = new Map<string, { key: ResourceKey; resource: StoredResource }>();
  /** The same entries grouped by kind key, so list(kind) does not scan every kind. */
  private readonly byKind = new Map<string, Map<string, { key: ResourceKey; resource: StoredResource }>>();
  private readonly watchers = new Set<ConfigEventHandler>();
  private readonly diagnosticWatchers = new Set<(all: readonly SourceDiagnostics[]) => void>();
  revision = 0;

  get(kind: string, namespace: string, name: string): StoredResource | undefined {
    return this.byKey.get(keyString({ kind: normalizeKind(kind), namespace, name }))?.resource;
  }

  entry(key: ResourceKey): StoredResource | undefined {
    return this.byKey.get(keyString(key))?.resource;
  }

  list(kind: string, namespace?: string): StoredResource[] {
    const wanted = normalizeKind(kind);
    const found: { key: ResourceKey; resource: StoredResource }[] = [];
    for (const e of this.byKind.get(wanted)?.values() ?? []) {
      if (namespace === undefined || e.key.namespace === namespace) found.push(e);
    }
    return found.sort((a, b) => compareKeys(a.key, b.key)).map((e) => e.resource);
  }

  all(): StoredResource[] {
    return [...this.byKey.values()].sort((a, b) => compareKeys(a.key, b.key)).map((e) => e.resource);
  }

  /**
   * Stores a (valid) resource, emitting `added` or `updated`. Content equal to what is stored emits nothing;
   * the stored copy is still replaced so `source` (file:line) stays current.
   */
  put(resource: Resource): 'created' | 'configured' | 'unchanged' {
    const key = keyOf(resource);
    const id = keyString(key);
    const previous = this.byKey.get(id)?.resource;
    // Same content from the same place: keep the stored object, so work cached on its identity downstream
    // (translation, pushes) stays valid when a file is re-read for an edit elsewhere in it.
    if (previous && sameContent(previous, resource) && sameSource(previous.source, resource.source))
      return 'unchanged';
    const stored = frozenCopy(resource);
    const entry = { key, resource: stored };
    this.byKey.set(id, entry);
    const ofKind =
      this.byKind.get(key.kind) ?? new Map<string, { key: ResourceKey; resource: StoredResource }>();
    this.byKind.set(key.kind, ofKind);
    ofKind.set(id, entry);
    if (previous && sameContent(previous, stored)) return 'unchanged';
    this.revision++;
    if (previous) this.emit({ type: 'updated', key, resource: stored, previous, revision: this.revision });
    else this.emit({ type: 'added', key, resource: stored, revision: this.revision });
    return previous ? 'configured' : 'created';
  }

  remove(key: ResourceKey): boolean {
    const id = keyString(key);
    const previous = this.byKey.get(id);
    if (!previous) return false;
    this.byKey.delete(id);
    this.byKind.get(previous.key.kind)?.delete(id);
    this.revision++;
    this.emit({ type: 'deleted', key: previous.key, resource: previous.resource, revision: this.revision });
    return true;
  }

  watch(handler: ConfigEventHandler): () => void {
    // Wrapped so the same function can watch twice and each unsubscribe removes only its own watch.
    const wrapped: ConfigEventHandler = (e) => handler(e);
    this.watchers.add(wrapped);
    return () => this.watchers.delete(wrapped);
  }

  watchDiagnostics(handler: (all: readonly SourceDiagnostics[]) => void): () => void {
    const wrapped = (all: readonly SourceDiagnostics[]) => handler(all);
    this.diagnosticWatchers.add(wrapped);
    return () => this.diagnosticWatchers.delete(wrapped);
  }

  emitDiagnostics(all: readonly SourceDiagnostics[]): void {
    for (const w of [...this.diagnosticWatchers]) callSafely(() => w(all));
  }

  private emit(event: ConfigEvent): void {
    for (const w of [...this.watchers]) callSafely(() => w(event), describeKey(event.key));
  }
}

/** A throwing watcher must not stop the others nor corrupt the store; it is reported and skipped. */
function callSafely(fn: () => void, what = 'diagnostics'): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(
      `config watcher failed on ${what}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
