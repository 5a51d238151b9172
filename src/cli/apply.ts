// `trellis apply -f <files|dirs|->`: sends each file to the control plane, which validates it exactly as
// `trellis analyze` does and persists it; prints kubectl's `kind.group/name created|configured|unchanged`.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CONTROLPLANE_FLAG_HELP, ControlPlaneClient, controlPlaneUrl } from '../controlplane/api/client.js';
import { kubectlName } from '../controlplane/api/wire.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface InputFile {
  /** The path as the user wrote it (or `<stdin>`), used in messages. */
  file: string;
  text: string;
}

async function collect(dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await collect(p, out);
    else if (EXTENSIONS.some((ext) => e.name.endsWith(ext))) out.push(p);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Files (any extension), directories (their .yaml/.yml/.json files, recursively, in name order), `-` = stdin. */
export async function readInputs(paths: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ file: '<stdin>', text: await readStdin() });
      continue;
    }
    let files: string[] = [p];
    try {
      if ((await stat(p)).isDirectory()) {
        files = [];
        await collect(p, files);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(`${p}: ${code === 'ENOENT' ? 'no such file or directory' : String(err)}`);
    }
    for (const f of files) out.push({ file: f, text: await readFile(f, 'utf8') });
  }
  return out;
}

interface ApplyOptions {
  filename: string[];
  namespace: string;
  controlplane?: string;
}

/** Applies every input; returns the exit code (1 when anything was refused). */
export async function runApply(
  opts: ApplyOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const client = new ControlPlaneClient(controlPlaneUrl(opts.controlplane));
  let failed = false;
  for (const input of await readInputs(opts.filename)) {
    const { ok, body } = await client.apply(input.text, input.file, opts.namespace);
    for (const e of body.errors) err.write(`${e}\n`);
    for (const r of body.results) {
      if (r.action === 'rejected') {
        for (const m of r.messages) err.write(`${m}\n`);
        continue;
      }
      for (const m of r.messages) err.write(`Warning: ${m}\n`);
      out.write(`${kubectlName(r)} ${r.action}\n`);
    }
    if (!ok) failed = true;
  }
  return failed ? 1 : 0;
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('create or update resources on the running control plane (validated first, like analyze)')
    .requiredOption(
      '-f, --filename <paths...>',
      'files or directories of YAML/JSON resources, or - for stdin',
    )
    .option('-n, --namespace <ns>', 'namespace for resources that name none', 'default')
    .option('--controlplane <url>', CONTROLPLANE_FLAG_HELP)
    .action(async (opts: ApplyOptions) => {
      process.exitCode = await runApply(opts, process.stdout, process.stderr);
    });
}
