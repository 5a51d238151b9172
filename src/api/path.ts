// Field paths as errors print them (`spec.http[1].route[0].weight`, `metadata.labels["app.kubernetes.io/name"]`).

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Appends an object key or array index to a path. Keys that are not plain identifiers are quoted. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** snake_case → camelCase, the way protobuf's JSON mapping names fields (`mirror_percent` → `mirrorPercent`). */
export function toCamel(key: string): string {
  return key.includes('_') ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key;
}

/** The parent of a path: `a.b[2]` → `a.b`, `a.b` → `a`, `a` → ''. */
export function parentPath(path: string): string {
  if (path.endsWith(']')) {
    const open = path.lastIndexOf('[');
    return path.slice(0, open);
  }
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}
