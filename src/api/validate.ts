// Validation of loaded documents into typed resources: kind lookup, metadata, spec schema, findings with lines.

import { metadataSchema } from './common.js';
import type { Diagnostic } from './diagnostic.js';
import { apiVersionsOf, type KindDef } from './kind.js';
import { KINDS } from './kinds/index.js';
import { type LoadedDocument, loadDocuments, parseDocuments } from './loader.js';
import { attachLines, lineOf, type Resource, type ResourceMetadata } from './resource.js';
import { Ctx, describe, isPlainObject } from './schema.js';
import { didYouMean } from './suggest.js';

const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

/** The kind definition serving `apiVersion` + `kind`, if any. */
export function findKind(apiVersion: string, kind: string): KindDef | undefined {
  return KINDS.find((k) => k.kind === kind && apiVersionsOf(k).includes(apiVersion));
}

function metadataOf(raw: unknown, def: KindDef, ctx: Ctx): ResourceMetadata | undefined {
  if (raw === undefined || raw === null) {
    ctx.error('metadata', 'required field is missing (at least metadata.name)', 'required');
    return undefined;
  }
  const m = metadataSchema.parse(raw, ctx, 'metadata');
  if (!m) return undefined;
  let namespace = m.namespace ?? (def.namespaced ? 'default' : '');
  if (!def.namespaced && m.namespace !== undefined) {
    ctx.warn(
      'metadata.namespace',
      `${def.kind} is cluster-scoped; the namespace is ignored`,
      'cluster-scoped',
    );
    namespace = '';
  }
  return { ...m, name: m.name, namespace, labels: m.labels ?? {}, annotations: m.annotations ?? {} };
}

function kindProblem(apiVersion: unknown, kind: unknown, ctx: Ctx): void {
  if (typeof kind !== 'string' || kind === '') {
    ctx.error(
      'kind',
      kind === undefined ? 'required field is missing' : `expected a string, got ${describe(kind)}`,
      'required',
    );
    return;
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    ctx.error(
      'apiVersion',
      apiVersion === undefined
        ? 'required field is missing'
        : `expected a string, got ${describe(apiVersion)}`,
      'required',
    );
    return;
  }
  const sameKind = KINDS.filter((k) => k.kind === kind);
  if (sameKind.length === 0) {
    const known = [...new Set(KINDS.map((k) => k.kind))];
    ctx.error('kind', `unknown kind "${kind}"${didYouMean(kind, known)}`, 'unknown-kind');
    return;
  }
  const versions = sameKind.flatMap(apiVersionsOf);
  ctx.error(
    'apiVersion',
    `${kind} is not served by "${apiVersion}" (use ${versions.join(', ')})`,
    'api-version',
  );
}

/**
 * Validates one document. The resource comes back only when there is no error; warnings may come with it.
 * Keys written in snake_case come back camelCase; Istio's defaults named in the spec types are filled in.
 */
export function validateDocument(doc: LoadedDocument): { resource?: Resource; diagnostics: Diagnostic[] } {
  const ctx = new Ctx();
  const data = doc.data;
  let def: KindDef | undefined;
  let meta: ResourceMetadata | undefined;
  let spec: unknown;
  let apiVersion = '';
  const id: { kind?: string; namespace?: string; name?: string } = {};
  if (!isPlainObject(data)) {
    ctx.error(
      '',
      `expected a resource (an object with apiVersion, kind, metadata), got ${describe(data)}`,
      'type',
    );
  } else {
    apiVersion = typeof data.apiVersion === 'string' ? data.apiVersion : '';
    if (typeof data.kind === 'string') id.kind = data.kind;
    const m = data.metadata;
    if (isPlainObject(m) && typeof m.name === 'string') id.name = m.name;
    def = typeof data.kind === 'string' ? findKind(apiVersion, data.kind) : undefined;
    if (isPlainObject(m)) {
      const ns = typeof m.namespace === 'string' ? m.namespace : undefined;
      id.namespace = def && !def.namespaced ? undefined : (ns ?? 'default');
    }
    if (!def) kindProblem(data.apiVersion, data.kind, ctx);
    else {
      const fields = def.topLevelFields;
      const allowed = fields ? [...TOP_LEVEL.filter((k) => k !== 'spec'), ...fields] : TOP_LEVEL;
      for (const key of Object.keys(data)) {
        if (!allowed.includes(key))
          ctx.error(key, `unknown field "${key}"${didYouMean(key, allowed)}`, 'unknown-field');
      }
      meta = metadataOf(data.metadata, def, ctx);
      if (fields) {
        spec = def.spec.parse(
          Object.fromEntries(fields.flatMap((k) => (k in data ? [[k, data[k]]] : []))),
          ctx,
          '',
        );
      } else if (data.spec === undefined || data.spec === null) {
        if (!def.specOptional) ctx.error('spec', 'required field is missing', 'required');
        else spec = def.spec.parse({}, ctx, 'spec');
      } else {
        spec = def.spec.parse(data.spec, ctx, 'spec');
      }
    }
  }
  let resource: Resource | undefined;
  if (def && meta && spec !== undefined && !ctx.issues.some((i) => i.severity === 'error')) {
    resource = {
      apiVersion,
      kind: def.kind,
      metadata: meta,
      spec,
      source: { file: doc.file, line: doc.line },
    };
    attachLines(resource, doc.lines);
    def.check?.(resource, ctx);
    if (ctx.issues.some((i) => i.severity === 'error')) resource = undefined;
  }
  const diagnostics: Diagnostic[] = ctx.issues.map(
    (i): Diagnostic => ({
      severity: i.severity,
      file: doc.file,
      line: lineOf(doc, i.path),
      ...(id.kind !== undefined ? { kind: id.kind } : {}),
      ...(id.namespace !== undefined ? { namespace: id.namespace } : {}),
      ...(id.name !== undefined ? { name: id.name } : {}),
      path: i.path,
      message: i.message,
      ...(i.code ? { code: i.code } : {}),
    }),
  );
  diagnostics.sort((a, b) => a.line - b.line);
  return resource ? { resource, diagnostics } : { diagnostics };
}

/** Loads and validates every document under `paths`; resources are the ones without errors. */
export async function loadAndValidate(
  paths: string[],
): Promise<{ resources: Resource[]; diagnostics: Diagnostic[] }> {
  const { documents, errors } = await loadDocuments(paths);
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [...errors];
  for (const doc of documents) {
    const r = validateDocument(doc);
    if (r.resource) resources.push(r.resource);
    diagnostics.push(...r.diagnostics);
  }
  return { resources, diagnostics };
}

/** Validates in-memory text (what `trellis apply` receives). */
export function validateText(
  text: string,
  file: string,
): { resources: Resource[]; diagnostics: Diagnostic[] } {
  const { documents, errors } = parseDocuments(text, file);
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [...errors];
  for (const doc of documents) {
    const r = validateDocument(doc);
    if (r.resource) resources.push(r.resource);
    diagnostics.push(...r.diagnostics);
  }
  return { resources, diagnostics };
}
