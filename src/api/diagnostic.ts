// Findings about loaded resources, located by file:line, resource and field path, and their one-line form.

export interface SourceRef {
  file: string;
  /** 1-based line of the document's first field. */
  line: number;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based line of the offending field (0 when the file itself could not be read). */
  line: number;
  kind?: string;
  namespace?: string;
  name?: string;
  /** Field path such as `spec.http[1].route[1].weight`; '' for the whole document. */
  path: string;
  message: string;
  /** A stable short code (`unknown-field`, `required`, `enum`, `weight`, …) for tools and tests. */
  code?: string;
}

/**
 * `file:line: Kind ns/name: path: message` (parts that are unknown are left out); warnings read
 * `file:line: warning: Kind ns/name: path: message` so the location stays first for editors.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const parts: string[] = [d.line > 0 ? `${d.file}:${d.line}` : d.file];
  if (d.severity === 'warning') parts.push('warning');
  if (d.kind !== undefined) {
    const id = d.name === undefined ? '' : d.namespace ? ` ${d.namespace}/${d.name}` : ` ${d.name}`;
    parts.push(`${d.kind}${id}`);
  }
  if (d.path !== '') parts.push(d.path);
  parts.push(d.message);
  return parts.join(': ');
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders findings by file, line, then severity (errors first), for stable output. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) ||
      a.path.localeCompare(b.path),
  );
}
