// The in-memory ConfigStore: fed only through apply/delete; for tests and for embedding without files.
import { type Diagnostic, type Resource, validateResource } from './api.js';
import { keyOf, normalizeKind } from './kinds.js';
import type {
  ApplyResult,
  ConfigEventHandler,
  ConfigStore,
  SourceDiagnostics,
  StoredResource,
} from './store.js';
import { ResourceTable } from './table.js';

/** Checks one resource before any store accepts it (src/api's validation by default). */
export type ResourceValidator = (resource: Resource) => { resource?: Resource; diagnostics: Diagnostic[] };

export interface MemoryConfigStoreOptions {
  validate?: ResourceValidator;
  /** Resources to start with; they are validated like applied ones and must all be valid. */
  initial?: readonly Resource[];
}

/** Validates inputs; splits them into the accepted (the validator's normalised form) and rejected results. */
export function validateAll(
  resources: readonly Resource[],
  validate: ResourceValidator,
): { accepted: { index: number; resource: Resource; diagnostics: Diagnostic[] }[]; results: ApplyResult[] } {
  const accepted: { index: number; resource: Resource; diagnostics: Diagnostic[] }[] = [];
  const results: ApplyResult[] = [];
  resources.forEach((input, index) => {
    const checked = validate(input);
    const hasError = checked.diagnostics.some((d) => d.severity === 'error');
    results.push({
      key: keyOf(checked.resource ?? input),
      action: 'rejected',
      diagnostics: checked.diagnostics,
    });
    if (!hasError && checked.resource)
      accepted.push({ index, resource: checked.resource, diagnostics: checked.diagnostics });
  });
  return { accepted, results };
}

export class MemoryConfigStore implements ConfigStore {
  readonly name = 'memory';
  private readonly table = new ResourceTable();
  private readonly validate: ResourceValidator;

  constructor(options: MemoryConfigStoreOptions = {}) {
    this.validate = options.validate ?? validateResource;
    if (options.initial) {
      const { accepted, results } = validateAll(options.initial, this.validate);
      const bad = results.filter((_r, i) => !accepted.some((a) => a.index === i));
      if (bad.length > 0)
        throw new Error(`invalid initial resources: ${bad.map((r) => r.key.name).join(', ')}`);
      for (const a of accepted) this.table.put(a.resource);
    }
  }

  get revision(): number {
    return this.table.revision;
  }

  get(kind: string, namespace: string, name: string): StoredResource | undefined {
    return this.table.get(kind, namespace, name);
  }

  list(kind: string, namespace?: string): readonly StoredResource[] {
    return this.table.list(kind, namespace);
  }

  all(): readonly StoredResource[] {
    return this.table.all();
  }

  watch(handler: ConfigEventHandler): () => void {
    return this.table.watch(handler);
  }

  async apply(resources: readonly Resource[]): Promise<ApplyResult[]> {
    const { accepted, results } = validateAll(resources, this.validate);
    for (const a of accepted) results[a.index].action = this.table.put(a.resource);
    return results;
  }

  async delete(kind: string, namespace: string, name: string): Promise<boolean> {
    return this.table.remove({ kind: normalizeKind(kind), namespace, name });
  }

  diagnostics(): readonly SourceDiagnostics[] {
    return [];
  }

  watchDiagnostics(handler: (all: readonly SourceDiagnostics[]) => void): () => void {
    return this.table.watchDiagnostics(handler);
  }

  async close(): Promise<void> {}
}
