// `trellis get <kind> [name] [-n ns | -A] [-o yaml|json]`: resources held by the running control plane,
// as a kubectl-like table (with the columns that tell Istio kinds apart) or as YAML/JSON.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  ApiError,
  CONTROLPLANE_FLAG_HELP,
  ControlPlaneClient,
  controlPlaneUrl,
} from '../controlplane/api/client.js';
import type { ResourceBody } from '../controlplane/api/wire.js';
import { renderTable } from './render/table.js';

interface GetOptions {
  namespace: string;
  allNamespaces?: boolean;
  output?: string;
  controlplane?: string;
}

type Spec = Record<string, unknown>;
const list = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(',') : '');
const field = (v: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Spec)[k] : undefined), v);

/** Extra columns per kind, as `kubectl get` prints Istio's CRDs (printer columns). */
const COLUMNS: Record<string, { headers: string[]; cells: (spec: unknown) => string[] }> = {
  VirtualService: {
    headers: ['GATEWAYS', 'HOSTS'],
    cells: (s) => [list(field(s, 'gateways')), list(field(s, 'hosts'))],
  },
  DestinationRule: { headers: ['HOST'], cells: (s) => [String(field(s, 'host') ?? '')] },
  Gateway: {
    headers: ['SERVERS'],
    cells: (s) => [String((field(s, 'servers') as unknown[] | undefined)?.length ?? 0)],
  },
  ServiceEntry: {
    headers: ['HOSTS', 'LOCATION', 'RESOLUTION'],
    cells: (s) => [
      list(field(s, 'hosts')),
      String(field(s, 'location') ?? ''),
      String(field(s, 'resolution') ?? ''),
    ],
  },
  PeerAuthentication: { headers: ['MODE'], cells: (s) => [String(field(s, 'mtls', 'mode') ?? '')] },
  AuthorizationPolicy: { headers: ['ACTION'], cells: (s) => [String(field(s, 'action') ?? 'ALLOW')] },
  HTTPRoute: { headers: ['HOSTNAMES'], cells: (s) => [list(field(s, 'hostnames'))] },
};

export function renderResourceTable(items: readonly ResourceBody[], withNamespace: boolean): string {
  const kinds = new Set(items.map((i) => i.kind));
  const extra = kinds.size === 1 ? COLUMNS[items[0].kind] : undefined;
  const headers = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', ...(kinds.size > 1 ? ['KIND'] : [])];
  headers.push(...(extra?.headers ?? []));
  const rows = items.map((i) => [
    ...(withNamespace ? [String(i.metadata.namespace ?? '')] : []),
    String(i.metadata.name),
    ...(kinds.size > 1 ? [i.kind] : []),
    ...(extra?.cells(i.spec) ?? []),
  ]);
  return renderTable(headers, rows);
}

/** YAML/JSON as kubectl prints it: the resource itself for one, a `List` for several. */
export function renderStructured(
  items: readonly ResourceBody[],
  single: boolean,
  format: 'yaml' | 'json',
): string {
  const value = single ? items[0] : { apiVersion: 'v1', kind: 'List', items };
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}

export async function runGet(
  kind: string,
  name: string | undefined,
  opts: GetOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const format = opts.output ?? 'table';
  if (!['table', 'yaml', 'json'].includes(format)) {
    err.write(`trellis get: unknown output format "${format}" (use yaml or json)\n`);
    return 2;
  }
  const client = new ControlPlaneClient(controlPlaneUrl(opts.controlplane));
  const namespace = opts.allNamespaces ? '' : opts.namespace;
  let items: ResourceBody[];
  try {
    items = (await client.list({ kind, namespace, name })).items;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    err.write(`Error from server (${e.status === 404 ? 'NotFound' : 'BadRequest'}): ${e.message}\n`);
    return 1;
  }
  if (items.length === 0) {
    err.write(
      opts.allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`,
    );
    return 0;
  }
  if (format === 'table') out.write(renderResourceTable(items, opts.allNamespaces === true));
  else out.write(renderStructured(items, name !== undefined, format as 'yaml' | 'json'));
  return 0;
}

export function registerGet(program: Command): void {
  program
    .command('get')
    .description('list resources held by the control plane (kinds: vs, dr, gw, se, pa, ra, ap, httproute, …)')
    .argument('<kind>', 'kind, plural or short name (virtualservices, vs, destinationrule, dr, …)')
    .argument('[name]', 'one resource')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'every namespace')
    .option('-o, --output <format>', 'yaml or json (default: a table)')
    .option('--controlplane <url>', CONTROLPLANE_FLAG_HELP)
    .action(async (kind: string, name: string | undefined, opts: GetOptions) => {
      process.exitCode = await runGet(kind, name, opts, process.stdout, process.stderr);
    });
}
