// `trellis validate`: schema-only validation of resource files, one `file:line: Kind ns/name: path: message` per finding.
import type { Command } from 'commander';
import {
  type Diagnostic,
  formatDiagnostic,
  hasErrors,
  loadAndValidate,
  sortDiagnostics,
} from '../api/index.js';

export interface ValidateOptions {
  filename: string[];
  output?: string;
}

/** Runs the validation and writes the report; returns the exit code (0 clean or warnings only, 1 on errors). */
export async function runValidate(
  opts: ValidateOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const { resources, diagnostics } = await loadAndValidate(opts.filename);
  const sorted = sortDiagnostics(diagnostics as Diagnostic[]);
  const failed = hasErrors(sorted);
  if (opts.output === 'json') {
    const report = {
      valid: !failed,
      resources: resources.map((r) => ({
        apiVersion: r.apiVersion,
        kind: r.kind,
        namespace: r.metadata.namespace,
        name: r.metadata.name,
        file: r.source.file,
        line: r.source.line,
      })),
      diagnostics: sorted,
    };
    out.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const d of sorted) out.write(`${formatDiagnostic(d)}\n`);
    const errors = sorted.filter((d) => d.severity === 'error').length;
    const warnings = sorted.length - errors;
    err.write(
      `${resources.length} valid resource${resources.length === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
    );
  }
  return failed ? 1 : 0;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check resource files (Istio, Gateway API, Argo Rollouts, Kubernetes, Trellis Mesh) against their schemas',
    )
    .requiredOption('-f, --filename <paths...>', "files or directories (recursive) to read, or '-' for stdin")
    .option('-o, --output <format>', "'text' (default) or 'json'", 'text')
    .action(async (opts: ValidateOptions) => {
      if (opts.output !== 'text' && opts.output !== 'json') {
        process.stderr.write(`trellis validate: unknown output format "${opts.output}" (use text or json)\n`);
        process.exitCode = 2;
        return;
      }
      process.exitCode = await runValidate(opts, process.stdout, process.stderr);
    });
}
