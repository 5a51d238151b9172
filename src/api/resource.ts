// The validated resource shape shared by every kind, and source-line lookup for any of its field paths.
import type { SourceRef } from './diagnostic.js';
import type { LineIndex, LoadedDocument } from './loader.js';
import { parentPath } from './path.js';

export interface ResourceMetadata {
  name: string;
  /** The namespace; 'default' when a namespaced resource names none, '' for cluster-scoped kinds. */
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  [k: string]: unknown;
}

export interface Resource<S = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ResourceMetadata;
  spec: S;
  source: SourceRef;
}

const linesOfResource = new WeakMap<object, LineIndex>();

/** Remembers where a resource's fields came from (called by validation). */
export function attachLines(resource: Resource, lines: LineIndex): void {
  linesOfResource.set(resource, lines);
}

const hiddenOfSpec = new WeakMap<object, unknown>();

/**
 * Data a kind keeps beside a validated spec object but out of it (a Secret's bytes): no serialization of
 * the resource (dumps, `get`, structuredClone) carries it; stored copies get it through copyLines.
 */
export function attachHidden(spec: object, data: unknown): void {
  hiddenOfSpec.set(spec, data);
}

export function hiddenOf(spec: unknown): unknown {
  return typeof spec === 'object' && spec !== null ? hiddenOfSpec.get(spec) : undefined;
}

/** Gives `copy` the field lines (and hidden spec data) of `original` (for stored copies of a resource). */
export function copyLines(original: object, copy: object): void {
  const lines = linesOfResource.get(original);
  if (lines) linesOfResource.set(copy, lines);
  const hidden = hiddenOf((original as { spec?: unknown }).spec);
  const spec = (copy as { spec?: unknown }).spec;
  if (hidden !== undefined && typeof spec === 'object' && spec !== null) hiddenOfSpec.set(spec, hidden);
}

/**
 * `resource` as if its document sat `delta` lines further down its file (same object when 0): its source
 * line and every field line move, for results reused after the document moved within an edited file.
 */
export function shiftedResource<R extends Resource>(resource: R, delta: number): R {
  if (delta === 0) return resource;
  const copy: R = { ...resource, source: { ...resource.source, line: resource.source.line + delta } };
  const lines = linesOfResource.get(resource);
  if (lines) linesOfResource.set(copy, new Map([...lines].map(([path, line]) => [path, line + delta])));
  return copy;
}

function isLoadedDocument(v: Resource | LoadedDocument): v is LoadedDocument {
  return 'lines' in v && v.lines instanceof Map;
}

/**
 * The source line of a field path (`spec.http[0].route[0].destination.subset`) in a loaded document or a
 * validated resource; a path that was not written (a defaulted field) gives the line of its nearest written
 * parent, and a resource built in code gives its source line.
 */
export function lineOf(target: Resource | LoadedDocument, path: string): number {
  const lines = isLoadedDocument(target) ? target.lines : linesOfResource.get(target);
  const fallback = isLoadedDocument(target) ? target.line : target.source.line;
  if (!lines) return fallback;
  let p = path;
  for (;;) {
    const line = lines.get(p);
    if (line !== undefined) return line;
    if (p === '') return fallback;
    p = parentPath(p);
  }
}

/** `Kind ns/name` (or `Kind name` for cluster-scoped kinds), the way findings name a resource. */
export function resourceId(r: Pick<Resource, 'kind' | 'metadata'>): string {
  return r.metadata.namespace
    ? `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`
    : `${r.kind} ${r.metadata.name}`;
}
