// The validation result shape used at every boundary: a value, or every error found with its field path.

/** One problem found in some input, located by a dotted/indexed field path such as `spec.http[1].route`. */
export interface FieldError {
  /** Field path from the root of the checked object, e.g. `spec.http[1].route[0].weight`; '' for the root. */
  path: string;
  message: string;
  /** Warnings do not fail validation; they are printed next to errors. */
  severity?: 'error' | 'warning';
}

export type Result<T> = { ok: true; value: T; warnings?: FieldError[] } | { ok: false; errors: FieldError[] };

export function ok<T>(value: T, warnings?: FieldError[]): Result<T> {
  return warnings && warnings.length > 0 ? { ok: true, value, warnings } : { ok: true, value };
}

export function fail<T = never>(errors: FieldError[]): Result<T> {
  return { ok: false, errors };
}

/** Joins a parent path and a child key or index the way errors print them: `a.b`, `a[3]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
