// The ConfigStore contract every backend (memory, file directory, later etcd and Kubernetes) implements.
import type { Diagnostic, Resource } from './api.js';
import type { ResourceKey } from './kinds.js';

/** A resource as the store holds it: deeply frozen, never mutated after it entered the store. */
export type StoredResource<S = unknown> = Readonly<Resource<S>>;

export type ConfigEvent =
  | { type: 'added'; key: ResourceKey; resource: StoredResource; revision: number }
  | {
      type: 'updated';
      key: ResourceKey;
      resource: StoredResource;
      previous: StoredResource;
      revision: number;
    }
  | { type: 'deleted'; key: ResourceKey; resource: StoredResource; revision: number };

export type ConfigEventHandler = (event: ConfigEvent) => void;

/** What apply did with one input resource. */
export interface ApplyResult {
  /** The identity of the input; kind is the store's kind key (see kinds.ts). */
  key: ResourceKey;
  /** `rejected`: failed validation (or could not be persisted) and the store did not change. */
  action: 'created' | 'configured' | 'unchanged' | 'rejected';
  /** Errors (when rejected) and warnings, in src/api's format: file, line, field path, message. */
  diagnostics: Diagnostic[];
}

/** The problems of one source the store reads (a file for the file backend). */
export interface SourceDiagnostics {
  source: string;
  /** True when the source has errors: the last good version of its resources keeps serving. */
  broken: boolean;
  diagnostics: Diagnostic[];
}

export interface ConfigStore {
  /** A short name for logs: `memory`, `file:/etc/trellis`. */
  readonly name: string;
  /**
   * Bumped once per stored change (add, update, delete); never decreases. Snapshots built from the store
   * can be compared by revision.
   */
  readonly revision: number;
  /**
   * One resource. `kind` is a kind key or any spelling normalizeKind accepts (`VirtualService`, `vs`,
   * `gateway.networking.k8s.io/Gateway`); `namespace` is '' for cluster-scoped kinds.
   */
  get(kind: string, namespace: string, name: string): StoredResource | undefined;
  /** Every resource of a kind, in one namespace or all of them, ordered by namespace then name. */
  list(kind: string, namespace?: string): readonly StoredResource[];
  /** Every resource of every kind, ordered by kind, namespace, name. */
  all(): readonly StoredResource[];
  /**
   * Calls `handler` synchronously for every change from now on, in order. Existing resources are not
   * replayed: read `list()`/`all()` first, then watch (nothing can change in between, both are synchronous).
   * Returns the function that stops the watch.
   */
  watch(handler: ConfigEventHandler): () => void;
  /**
   * Validates every resource with src/api and stores the valid ones; each input gets its own result.
   * Inputs that are equal to what is stored (apiVersion, kind, metadata, spec) are `unchanged` and emit
   * no event. Resolves after the change is durable in the backend and visible to get/list (a remote backend
   * waits for its own watch to deliver it), with its events already emitted.
   */
  apply(resources: readonly Resource[]): Promise<ApplyResult[]>;
  /** Removes one resource; resolves false when there was none. */
  delete(kind: string, namespace: string, name: string): Promise<boolean>;
  /** Problems in the sources the store reads (broken files); always empty for stores fed only by apply. */
  diagnostics(): readonly SourceDiagnostics[];
  /** Calls `handler` whenever diagnostics() changes. Returns the function that stops it. */
  watchDiagnostics(handler: (all: readonly SourceDiagnostics[]) => void): () => void;
  /** Stops watching sources and releases resources; the store still answers reads afterwards. */
  close(): Promise<void>;
}
