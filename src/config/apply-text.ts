// `trellis apply -f` / `trellis delete -f` on a store: YAML text in, the same diagnostics as `trellis analyze`.
import { type LoadedDocument, parseDocuments, validateDocument } from '../api/index.js';
import type { Diagnostic, Resource } from './api.js';
import { isClusterScoped, kindKey, type ResourceKey } from './kinds.js';
import type { ApplyResult, ConfigStore } from './store.js';

export interface TextApplyOutcome {
  /** One result per document, in file order. */
  results: ApplyResult[];
  /** Problems of the text itself (YAML syntax) that belong to no single document. */
  diagnostics: Diagnostic[];
}

/** The identity a document claims, read leniently (it may be invalid): missing parts are ''. */
export function claimedKey(doc: LoadedDocument): ResourceKey {
  const data = (typeof doc.data === 'object' && doc.data !== null ? doc.data : {}) as Record<string, unknown>;
  const meta = (typeof data.metadata === 'object' && data.metadata !== null ? data.metadata : {}) as Record<
    string,
    unknown
  >;
  const kind = kindKey(String(data.apiVersion ?? ''), String(data.kind ?? ''));
  const namespace = isClusterScoped(kind)
    ? ''
    : typeof meta.namespace === 'string'
      ? meta.namespace
      : 'default';
  return { kind, namespace, name: typeof meta.name === 'string' ? meta.name : '' };
}

/**
 * Parses `text` (multi-document YAML or JSON, as written in `file`), validates every document with src/api
 * and applies the valid ones. Invalid documents are refused with analyze's diagnostics (file:line, field path)
 * and change nothing; the valid ones in the same text still apply.
 */
export async function applyText(store: ConfigStore, text: string, file: string): Promise<TextApplyOutcome> {
  const { documents, errors } = parseDocuments(text, file);
  const results: ApplyResult[] = [];
  const valid: { index: number; resource: Resource }[] = [];
  for (const doc of documents) {
    const checked = validateDocument(doc);
    results.push({ key: claimedKey(doc), action: 'rejected', diagnostics: checked.diagnostics });
    if (checked.resource) valid.push({ index: results.length - 1, resource: checked.resource });
  }
  const applied = await store.apply(valid.map((v) => v.resource));
  valid.forEach((v, i) => {
    results[v.index] = applied[i];
  });
  return { results, diagnostics: errors };
}

/** Deletes every resource the documents of `text` name (only their apiVersion, kind and metadata are read). */
export async function deleteText(
  store: ConfigStore,
  text: string,
  file: string,
): Promise<{ results: { key: ResourceKey; deleted: boolean }[]; diagnostics: Diagnostic[] }> {
  const { documents, errors } = parseDocuments(text, file);
  const results: { key: ResourceKey; deleted: boolean }[] = [];
  for (const doc of documents) {
    const key = claimedKey(doc);
    results.push({
      key,
      deleted: key.name !== '' && (await store.delete(key.kind, key.namespace, key.name)),
    });
  }
  return { results, diagnostics: errors };
}
