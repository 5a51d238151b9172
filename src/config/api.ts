// The slice of src/api the config stores use, in one place: swapped to re-exports once src/api lands.
import { isMap, LineCounter, parseAllDocuments } from 'yaml';

export interface SourceRef {
  file: string;
  line: number;
}

export interface ResourceMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Resource<S = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ResourceMetadata;
  spec: S;
  source: SourceRef;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** Field path inside the resource, e.g. `spec.http[0].route`; '' for the document itself. */
  path: string;
  file?: string;
  line?: number;
  code?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}` : ''}: ` : '';
  const field = d.path ? `${d.path}: ` : '';
  return `${where}${d.severity}: ${field}${d.message}`;
}

/** Parses every YAML/JSON document of one file and validates each into a Resource. */
export function loadText(text: string, file: string): { resources: Resource[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    const start = doc.contents?.range?.[0] ?? 0;
    const line = lineCounter.linePos(start).line;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const at = lineCounter.linePos(e.pos[0]).line;
        diagnostics.push({ severity: 'error', path: '', message: e.message.split('\n')[0], file, line: at });
      }
      continue;
    }
    if (doc.contents === null) continue;
    if (!isMap(doc.contents)) {
      diagnostics.push({ severity: 'error', path: '', message: 'expected an object', file, line });
      continue;
    }
    const checked = validateObject(doc.toJS(), { file, line });
    diagnostics.push(...checked.diagnostics);
    if (checked.resource) resources.push(checked.resource);
  }
  return { resources, diagnostics };
}

/** Validates a resource (its fields other than `source`); minimal until src/api's validator is wired in. */
export function validateResource(resource: Resource): { resource?: Resource; diagnostics: Diagnostic[] } {
  const { source, ...raw } = resource;
  return validateObject(raw, source);
}

function validateObject(raw: unknown, source: SourceRef): { resource?: Resource; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const err = (path: string, message: string) =>
    diagnostics.push({ severity: 'error', path, message, file: source.file, line: source.line });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    err('', 'expected an object');
    return { diagnostics };
  }
  const o = raw as Record<string, unknown>;
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') err('apiVersion', 'is required');
  if (typeof o.kind !== 'string' || o.kind === '') err('kind', 'is required');
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null) err('metadata', 'is required');
  else if (typeof meta.name !== 'string' || meta.name === '') err('metadata.name', 'is required');
  if (o.spec !== undefined && (typeof o.spec !== 'object' || o.spec === null || Array.isArray(o.spec)))
    err('spec', 'expected an object');
  if (diagnostics.length > 0) return { diagnostics };
  return { resource: { ...(o as unknown as Resource), spec: o.spec ?? {}, source }, diagnostics };
}
