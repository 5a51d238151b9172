// Pure text edits on multi-document YAML/JSON files: replace or remove one resource's document in place.
import { isMap, parseAllDocuments, stringify } from 'yaml';
import type { Resource } from './api.js';
import { keyOf, keyString, type ResourceKey } from './kinds.js';

/** The document body written for a resource: everything but `source`, in the usual field order. */
export function resourceBody(resource: Resource): Record<string, unknown> {
  const { apiVersion, kind, metadata, spec } = resource;
  return { apiVersion, kind, metadata, spec };
}

export function renderResource(resource: Resource, file: string): string {
  if (file.endsWith('.json')) return `${JSON.stringify(resourceBody(resource), null, 2)}\n`;
  return stringify(resourceBody(resource), { lineWidth: 0 });
}

interface DocumentSpan {
  key?: string;
  /** The whole document including its `---` marker, [start, end) in characters. */
  whole: [number, number];
  /** The document's value only, [start, end). */
  value?: [number, number];
}

function spans(text: string): DocumentSpan[] {
  const out: DocumentSpan[] = [];
  for (const doc of parseAllDocuments(text)) {
    const span: DocumentSpan = { whole: [doc.range[0], doc.range[2]] };
    if (doc.contents && isMap(doc.contents) && doc.contents.range) {
      span.value = [doc.contents.range[0], doc.contents.range[2]];
      const raw = doc.toJS() as Partial<Resource>;
      if (typeof raw.apiVersion === 'string' && typeof raw.kind === 'string' && raw.metadata?.name) {
        span.key = keyString(keyOf(raw as Resource));
      }
    }
    out.push(span);
  }
  return out;
}

/** How many resource documents `text` holds. */
export function countDocuments(text: string): number {
  return spans(text).filter((s) => s.value).length;
}

/**
 * Replaces the document of `key` with `resource`, keeping every other byte of the file (other documents,
 * comments between them). Returns undefined when no document of the file has that key.
 */
export function replaceDocument(
  text: string,
  file: string,
  key: ResourceKey,
  resource: Resource,
): string | undefined {
  if (file.endsWith('.json')) return renderResource(resource, file);
  const wanted = keyString(key);
  const span = spans(text).find((s) => s.key === wanted);
  if (!span?.value) return undefined;
  const [start, end] = span.value;
  let body = renderResource(resource, file);
  // The value span includes its line end unless it is the file's unterminated last line.
  if (text[end - 1] !== '\n') body = body.replace(/\n$/, '');
  return text.slice(0, start) + body + text.slice(end);
}

/** Removes the document of `key` (and its `---` marker). Undefined when the file has no such document. */
export function removeDocument(text: string, key: ResourceKey): string | undefined {
  const wanted = keyString(key);
  const all = spans(text);
  const index = all.findIndex((s) => s.key === wanted);
  if (index < 0) return undefined;
  const [start, end] = all[index].whole;
  let rest = text.slice(0, start) + text.slice(end);
  // The first document has no `---` of its own: drop the marker the next one brings, so no empty doc stays.
  if (index === 0) rest = rest.slice(0, start) + rest.slice(start).replace(/^---[ \t]*\n/, '');
  return rest;
}
