// `trellis delete <kind> <name...> [-n ns]` and `trellis delete -f <files>`: removes resources from the
// running control plane's store, printing kubectl's `kind.group "name" deleted`.
import type { Command } from 'commander';
import { parseDocuments } from '../api/index.js';
import { claimedKey, isClusterScoped, normalizeKind } from '../config/index.js';
import { CONTROLPLANE_FLAG_HELP, ControlPlaneClient, controlPlaneUrl } from '../controlplane/api/client.js';
import { kubectlKind, type ResourceRef } from '../controlplane/api/wire.js';
import { readInputs } from './apply.js';

interface DeleteOptions {
  filename?: string[];
  namespace: string;
  controlplane?: string;
}

/** The resources the documents of the inputs name (only apiVersion, kind and metadata are read). */
async function refsFromFiles(paths: string[], namespace: string): Promise<ResourceRef[]> {
  const refs: ResourceRef[] = [];
  for (const input of await readInputs(paths)) {
    const { documents, errors } = parseDocuments(input.text, input.file);
    if (errors.length > 0) throw new Error(errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n'));
    for (const doc of documents) {
      const key = claimedKey(doc);
      const meta = (doc.data as { metadata?: { namespace?: unknown } } | null)?.metadata;
      if (!isClusterScoped(key.kind) && typeof meta?.namespace !== 'string') key.namespace = namespace;
      refs.push(key);
    }
  }
  return refs;
}

export async function runDelete(
  args: string[],
  opts: DeleteOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  let refs: ResourceRef[];
  if (opts.filename) {
    refs = await refsFromFiles(opts.filename, opts.namespace);
  } else {
    const [kindArg, ...names] = args;
    if (!kindArg || names.length === 0) {
      err.write('trellis delete: give <kind> <name...> or -f <files>\n');
      return 2;
    }
    const kind = normalizeKind(kindArg);
    const namespace = isClusterScoped(kind) ? '' : opts.namespace;
    refs = names.map((name) => ({ kind, namespace, name }));
  }
  const client = new ControlPlaneClient(controlPlaneUrl(opts.controlplane));
  let failed = false;
  for (const ref of refs) {
    const r = await client.delete(ref);
    if (r.deleted) {
      out.write(`${kubectlKind(r.kind)} "${r.name}" deleted\n`);
    } else {
      failed = true;
      err.write(
        `Error from server (NotFound): ${kubectlKind(normalizeKind(ref.kind))} "${ref.name}" not found\n`,
      );
    }
  }
  return failed ? 1 : 0;
}

export function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('delete resources from the control plane, by kind and name or by the files that define them')
    .argument('[kind-and-names...]', '<kind> <name...>, e.g. `vs reviews`')
    .option('-f, --filename <paths...>', 'delete what these files (or directories, or - for stdin) define')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--controlplane <url>', CONTROLPLANE_FLAG_HELP)
    .action(async (args: string[], opts: DeleteOptions) => {
      process.exitCode = await runDelete(args, opts, process.stdout, process.stderr);
    });
}
