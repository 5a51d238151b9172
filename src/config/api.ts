// The slice of src/api the config stores use: loading a file's text and re-validating a resource.
import {
  type Diagnostic,
  findKind,
  type LoadedDocument,
  lineOf,
  type Resource,
  validateDocument,
  validateText,
} from '../api/index.js';

export type { Diagnostic, Resource, ResourceMetadata, SourceRef } from '../api/index.js';
export { formatDiagnostic, shiftedResource } from '../api/index.js';

/** Parses every YAML/JSON document of one file and validates each, exactly as `trellis analyze` does. */
export function loadText(text: string, file: string): { resources: Resource[]; diagnostics: Diagnostic[] } {
  return validateText(text, file);
}

/**
 * A field-path → line index backed by src/api's memory of where a validated resource's fields came from, so
 * re-validating a resource that was loaded from YAML still reports the line of the offending field.
 */
class ResourceLines extends Map<string, number> {
  constructor(private readonly resource: Resource) {
    super();
  }
  override get(path: string): number {
    return lineOf(this.resource, path);
  }
}

/**
 * Validates a resource with src/api, whoever built it (the API, code, another store), so nothing unchecked
 * enters a store. Empty defaults that validation itself fills in (namespace '' of cluster-scoped kinds) are
 * dropped first so a validated resource re-validates cleanly.
 */
export function validateResource(resource: Resource): { resource?: Resource; diagnostics: Diagnostic[] } {
  const { source, apiVersion, kind, metadata, spec } = resource;
  const { namespace, ...restOfMetadata } = metadata ?? {};
  // Kinds without a spec (a Secret) are checked again from the top-level fields they were written with.
  const fields = findKind(apiVersion, kind)?.documentOf?.(spec);
  const data = {
    apiVersion,
    kind,
    metadata: namespace ? { ...restOfMetadata, namespace } : restOfMetadata,
    ...(fields ?? { spec }),
  };
  const doc: LoadedDocument = {
    file: source?.file ?? '<api>',
    line: source?.line ?? 0,
    index: 0,
    data,
    lines: new ResourceLines(resource),
  };
  return validateDocument(doc);
}
