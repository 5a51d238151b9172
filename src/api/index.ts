// The public face of src/api: loading, validation, diagnostics, resource types per kind, host/label helpers.
export {
  type Diagnostic,
  formatDiagnostic,
  hasErrors,
  type SourceRef,
  sortDiagnostics,
} from './diagnostic.js';
export * from './host.js';
export { apiVersionsOf, type KindDef } from './kind.js';
export * from './kinds/destination-rule.js';
export { KINDS } from './kinds/index.js';
export * from './kinds/traffic-policy.js';
export * from './kinds/virtual-service.js';
export * from './kinds/vs-http.js';
export * from './labels.js';
export { type LineIndex, type LoadedDocument, loadDocuments, parseDocuments } from './loader.js';
export { attachLines, lineOf, type Resource, type ResourceMetadata, resourceId } from './resource.js';
export { findKind, loadAndValidate, validateDocument, validateText } from './validate.js';
