// The resource API behind `trellis apply/get/delete`: text in, validated by src/api exactly as `trellis
// analyze` does (refusals carry its file:line field-path messages), persisted through the ConfigStore.
import {
  type Diagnostic,
  findKind,
  formatDiagnostic,
  KINDS,
  type LoadedDocument,
  parseDocuments,
  type Resource,
  validateDocument,
} from '../../api/index.js';
import { resourceBody } from '../../config/file-edit.js';
import {
  type ConfigStore,
  claimedKey,
  isClusterScoped,
  keyOf,
  keyString,
  normalizeKind,
} from '../../config/index.js';
import { HttpError } from './http.js';
import {
  type ApplyResponse,
  type ApplyResultWire,
  type DeleteResponse,
  kubectlKind,
  type ListResponse,
  type ResourceBody,
} from './wire.js';

const KNOWN_KINDS = new Set(KINDS.map((def) => (def.group === '' ? def.kind : `${def.group}/${def.kind}`)));

/** The store's kind key for what a caller typed (`vs`, `virtualservices`, `VirtualService`), or a 400. */
export function resolveKind(kind: string): string {
  const key = normalizeKind(kind);
  if (!KNOWN_KINDS.has(key)) throw new HttpError(400, `the server doesn't have a resource type "${kind}"`);
  return key;
}

/** Puts documents that name no namespace into `namespace`, as `kubectl apply -n` does. */
function defaultNamespace(doc: LoadedDocument, namespace: string): void {
  const data = doc.data as { apiVersion?: unknown; kind?: unknown; metadata?: unknown } | null;
  if (!data || typeof data !== 'object' || typeof data.metadata !== 'object' || data.metadata === null)
    return;
  if (typeof data.apiVersion !== 'string' || typeof data.kind !== 'string') return;
  const metadata = data.metadata as Record<string, unknown>;
  if (!findKind(data.apiVersion, data.kind)?.namespaced || metadata.namespace !== undefined) return;
  metadata.namespace = namespace;
}

function wireResult(
  key: { kind: string; namespace: string; name: string },
  action: ApplyResultWire['action'],
  diagnostics: Diagnostic[],
): ApplyResultWire {
  return { ...key, action, messages: diagnostics.map(formatDiagnostic), diagnostics };
}

/**
 * Validates every document of `text` (as written in `file`) and stores the valid ones. Status 200 when all
 * were accepted, 400 when the text had syntax errors or any document was refused (the others still apply,
 * as with kubectl).
 */
export async function applyText(
  store: ConfigStore,
  text: string,
  file: string,
  namespace: string,
): Promise<{ status: number; body: ApplyResponse }> {
  const { documents, errors } = parseDocuments(text, file);
  const results: ApplyResultWire[] = [];
  const valid: { index: number; resource: Resource }[] = [];
  for (const doc of documents) {
    defaultNamespace(doc, namespace);
    const checked = validateDocument(doc);
    results.push(wireResult(claimedKey(doc), 'rejected', checked.diagnostics));
    if (checked.resource) valid.push({ index: results.length - 1, resource: checked.resource });
  }
  const applied = await store.apply(valid.map((v) => v.resource));
  valid.forEach((v, i) => {
    const r = applied[i];
    results[v.index] = wireResult(r.key, r.action, r.diagnostics);
  });
  const formattedErrors = errors.map(formatDiagnostic);
  if (documents.length === 0 && errors.length === 0)
    formattedErrors.push('error: no objects passed to apply');
  const refused = formattedErrors.length > 0 || results.some((r) => r.action === 'rejected');
  return { status: refused ? 400 : 200, body: { results, errors: formattedErrors } };
}

/** Computed status by `kind|namespace|name` (the store's key string). */
export type StatusLookup = () => ReadonlyMap<string, unknown>;

/** GET /apis/resources: one resource (`name`), a kind in one namespace or all, or everything (no kind). */
export function listResources(
  store: ConfigStore,
  query: URLSearchParams,
  status?: StatusLookup,
): ListResponse {
  let statuses: ReadonlyMap<string, unknown> | undefined;
  const body = (resource: Resource): ResourceBody => {
    const out = resourceBody(resource) as unknown as ResourceBody;
    statuses ??= status?.() ?? new Map();
    const computed = statuses.get(keyString(keyOf(resource)));
    return computed === undefined ? out : { ...out, status: computed };
  };
  const kindParam = query.get('kind') ?? '';
  const namespace = query.get('namespace') ?? '';
  const name = query.get('name') ?? '';
  if (kindParam === '') {
    if (name !== '') throw new HttpError(400, 'a name needs a kind');
    const all = store.all().filter((r) => namespace === '' || r.metadata.namespace === namespace);
    return { items: all.map((r) => body(r as Resource)) };
  }
  const kind = resolveKind(kindParam);
  const ns = isClusterScoped(kind) ? '' : namespace;
  if (name !== '') {
    const found = store.get(kind, ns || 'default', name);
    if (!found) throw new HttpError(404, `${kubectlKind(kind)} "${name}" not found`);
    return { items: [body(found as Resource)] };
  }
  return { items: store.list(kind, ns || undefined).map((r) => body(r as Resource)) };
}

/** DELETE /apis/resources/<kind>/<namespace>/<name> (each segment URI-encoded; namespace empty for cluster kinds). */
export async function deleteResource(store: ConfigStore, rest: string): Promise<DeleteResponse> {
  const parts = rest.split('/').map((p) => decodeURIComponent(p));
  if (parts.length !== 3 || parts[0] === '' || parts[2] === '') {
    throw new HttpError(400, 'expected /apis/resources/<kind>/<namespace>/<name>');
  }
  const kind = resolveKind(parts[0]);
  const namespace = isClusterScoped(kind) ? '' : parts[1] || 'default';
  const name = parts[2];
  const deleted = await store.delete(kind, namespace, name);
  if (!deleted) {
    throw new HttpError(404, `${kubectlKind(kind)} "${name}" not found`, {
      error: `${kubectlKind(kind)} "${name}" not found`,
      kind,
      namespace,
      name,
      deleted: false,
    });
  }
  return { kind, namespace, name, deleted };
}
