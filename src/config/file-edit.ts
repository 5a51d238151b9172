// Pure text edits on config files: replace or remove one resource's document in place, keeping the rest.
import { type Document, isMap, isSeq, parseAllDocuments, stringify } from 'yaml';
import { findKind } from '../api/index.js';
import type { Resource } from './api.js';
import { splitDocuments } from './document-cache.js';
import { keyOf, keyString, type ResourceKey } from './kinds.js';

/** The document body written for a resource: everything but `source`, empty namespace/labels/annotations left out. */
export function resourceBody(resource: Resource): Record<string, unknown> {
  const { apiVersion, kind, metadata, spec } = resource;
  const { labels, annotations, namespace, ...rest } = metadata;
  const meta: Record<string, unknown> = { ...rest };
  // Cluster-scoped kinds carry namespace ''; written out, that would not load back.
  if (namespace) meta.namespace = namespace;
  if (labels && Object.keys(labels).length > 0) meta.labels = labels;
  if (annotations && Object.keys(annotations).length > 0) meta.annotations = annotations;
  return { apiVersion, kind, metadata: meta, spec };
}

/** What a file holds for a resource: resourceBody, or for kinds without a spec their own top-level fields. */
export function persistedBody(resource: Resource): Record<string, unknown> {
  const body = resourceBody(resource);
  const fields = findKind(resource.apiVersion, resource.kind)?.documentOf?.(resource.spec);
  if (!fields) return body;
  const { spec: _spec, ...rest } = body;
  return { ...rest, ...fields };
}

export function renderResource(resource: Resource, file: string): string {
  if (file.endsWith('.json')) return `${JSON.stringify(persistedBody(resource), null, 2)}\n`;
  return stringify(persistedBody(resource), { lineWidth: 0 });
}

function keyOfData(raw: unknown): string | undefined {
  const r = raw as Partial<Resource> | null;
  if (
    typeof r?.apiVersion !== 'string' ||
    typeof r.kind !== 'string' ||
    typeof r.metadata?.name !== 'string'
  ) {
    return undefined;
  }
  return keyString(
    keyOf({ ...r, metadata: { ...r.metadata, namespace: r.metadata.namespace ?? '' } } as Resource),
  );
}

/** Where a resource sits in a file: a whole document, or item `item` of a list document. */
interface Location {
  doc: Document;
  /** The whole document including its `---` marker, [start, end). */
  whole: [number, number];
  /** The document's value only, [start, end); for a whole-document resource. */
  value: [number, number];
  /** For a resource inside a list (`kind: List` or a top-level sequence): the path of the item. */
  itemPath?: (string | number)[];
  /** How many resources the document holds. */
  count: number;
}

/**
 * Finds `key` in YAML text. Only documents whose text mentions the resource's name are parsed (a big file
 * edited in place costs one document's parse, not the file's); offsets are the file's.
 */
function locate(text: string, key: ResourceKey): Location | undefined {
  const wanted = keyString(key);
  let offset = 0;
  for (const piece of splitDocuments(text)) {
    const pieceStart = offset;
    offset += piece.text.length;
    if (!piece.text.includes(key.name)) continue;
    for (const doc of parseAllDocuments(piece.text)) {
      const contents = doc.contents;
      if (!contents?.range) continue;
      const shift = (a: number, b: number): [number, number] => [pieceStart + a, pieceStart + b];
      const base = { doc, whole: shift(doc.range[0], doc.range[2]) };
      const value = shift(contents.range[0], contents.range[2]);
      const data = doc.toJS() as unknown;
      let items: unknown[] | undefined;
      let prefix: (string | number)[] = [];
      if (isSeq(contents) && Array.isArray(data)) items = data;
      else if (isMap(contents) && (data as { kind?: unknown }).kind === 'List') {
        items = ((data as { items?: unknown }).items as unknown[] | undefined) ?? [];
        prefix = ['items'];
      }
      if (items) {
        const i = items.findIndex((item) => keyOfData(item) === wanted);
        if (i >= 0) return { ...base, value, itemPath: [...prefix, i], count: items.length };
      } else if (keyOfData(data) === wanted) return { ...base, value, count: 1 };
    }
  }
  return undefined;
}

/** How many resources `text` holds (list documents count their items). */
export function countResources(text: string): number {
  let n = 0;
  for (const doc of parseAllDocuments(text)) {
    const data = doc.contents ? (doc.toJS() as unknown) : undefined;
    if (Array.isArray(data)) n += data.length;
    else if ((data as { kind?: unknown } | undefined)?.kind === 'List') {
      n += ((data as { items?: unknown[] }).items ?? []).length;
    } else if (data !== undefined && data !== null) n++;
  }
  return n;
}

/** JSON files are rewritten as JSON: the one object, or the list with the item replaced or removed. */
function editJson(
  text: string,
  wanted: string,
  replacement: Record<string, unknown> | undefined,
): string | undefined {
  const data = JSON.parse(text) as unknown;
  const list = Array.isArray(data)
    ? data
    : (data as { kind?: unknown }).kind === 'List'
      ? ((data as { items?: unknown[] }).items ?? [])
      : undefined;
  if (!list) {
    if (keyOfData(data) !== wanted) return undefined;
    return replacement ? `${JSON.stringify(replacement, null, 2)}\n` : '';
  }
  const i = list.findIndex((item) => keyOfData(item) === wanted);
  if (i < 0) return undefined;
  if (replacement) list[i] = replacement;
  else list.splice(i, 1);
  return `${JSON.stringify(data, null, 2)}\n`;
}

/**
 * Replaces the resource `key` with `resource`, keeping every other byte of the file (other documents,
 * comments between them). Returns undefined when the file has no such resource.
 */
export function replaceDocument(
  text: string,
  file: string,
  key: ResourceKey,
  resource: Resource,
): string | undefined {
  const wanted = keyString(key);
  if (file.endsWith('.json')) return editJson(text, wanted, persistedBody(resource));
  const at = locate(text, key);
  if (!at) return undefined;
  if (at.itemPath) {
    at.doc.setIn(at.itemPath, at.doc.createNode(persistedBody(resource)));
    return text.slice(0, at.whole[0]) + at.doc.toString({ lineWidth: 0 }) + text.slice(at.whole[1]);
  }
  const [start, end] = at.value;
  let body = renderResource(resource, file);
  // The value span includes its line end unless it is the file's unterminated last line.
  if (text[end - 1] !== '\n') body = body.replace(/\n$/, '');
  return text.slice(0, start) + body + text.slice(end);
}

/** Removes the resource `key` (its document and `---` marker, or its list item). Undefined when absent. */
export function removeDocument(text: string, file: string, key: ResourceKey): string | undefined {
  const wanted = keyString(key);
  if (file.endsWith('.json')) return editJson(text, wanted, undefined);
  const at = locate(text, key);
  if (!at) return undefined;
  if (at.itemPath && at.count > 1) {
    at.doc.deleteIn(at.itemPath);
    return text.slice(0, at.whole[0]) + at.doc.toString({ lineWidth: 0 }) + text.slice(at.whole[1]);
  }
  const [start, end] = at.whole;
  const rest = text.slice(0, start) + text.slice(end);
  // The first document has no `---` of its own: drop the marker the next one brings, so no empty doc stays.
  if (start === 0 || !text.slice(start, end).startsWith('---')) {
    return rest.slice(0, start) + rest.slice(start).replace(/^---[ \t]*\n/, '');
  }
  return rest;
}
