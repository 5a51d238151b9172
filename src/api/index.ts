// The public face of src/api: loading, validation, diagnostics, resource types per kind, host/label helpers.

export * from './defaults.js';
export {
  type Diagnostic,
  formatDiagnostic,
  hasErrors,
  type SourceRef,
  sortDiagnostics,
} from './diagnostic.js';
export * from './host.js';
export { apiVersionsOf, type KindDef } from './kind.js';
export * from './kinds/analysis-template.js';
export * from './kinds/authorization-policy.js';
export * from './kinds/destination-rule.js';
export * from './kinds/gateway.js';
export * from './kinds/gateway-api.js';
export * from './kinds/gateway-api-common.js';
export * from './kinds/http-route.js';
export { KINDS } from './kinds/index.js';
export * from './kinds/kube-core.js';
export * from './kinds/mesh.js';
export * from './kinds/peer-authentication.js';
export * from './kinds/request-authentication.js';
export * from './kinds/rollout.js';
export * from './kinds/secret.js';
export { ISTIO_SECURITY, ipBlockError, SECURITY_VERSIONS, wildcardError } from './kinds/security-common.js';
export * from './kinds/service-entry.js';
export * from './kinds/sidecar.js';
export * from './kinds/traffic-policy.js';
export * from './kinds/virtual-service.js';
export * from './kinds/vs-http.js';
export * from './labels.js';
export { type LineIndex, type LoadedDocument, loadDocuments, parseDocuments } from './loader.js';
export {
  attachLines,
  lineOf,
  type Resource,
  type ResourceMetadata,
  resourceId,
  shiftedResource,
} from './resource.js';
export { findKind, loadAndValidate, validateDocument, validateText } from './validate.js';
