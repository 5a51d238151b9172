// Public surface of the config stores: the ConfigStore contract, its backends, and kind/key helpers.
export type { Diagnostic, Resource } from './api.js';
export { applyText, claimedKey, deleteText, type TextApplyOutcome } from './apply-text.js';
export { FileConfigStore, type FileConfigStoreOptions, type FileLoader } from './file-store.js';
export {
  describeKey,
  isClusterScoped,
  keyOf,
  keyString,
  kindKey,
  namespaceOf,
  normalizeKind,
  type ResourceKey,
} from './kinds.js';
export { MemoryConfigStore, type MemoryConfigStoreOptions, type ResourceValidator } from './memory-store.js';
export type {
  ApplyResult,
  ConfigEvent,
  ConfigEventHandler,
  ConfigStore,
  SourceDiagnostics,
  StoredResource,
} from './store.js';
