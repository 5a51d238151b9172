// `trellis get <kind> [name] [-n ns | -A] [-o yaml|json]`: resources held by the running control plane,
// as a kubectl-like table (with the columns that tell Istio kinds apart) or as YAML/JSON, with the status
// the control plane computes for Gateway API kinds (conditions, listeners, route parents).
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

/** A condition's status (`True`, `False`) from a status block's `conditions`, or `Unknown`. */
function conditionStatus(status: unknown, type: string): string {
  const list = field(status, 'conditions');
  if (!Array.isArray(list)) return 'Unknown';
  const c = list.find((x) => field(x, 'type') === type);
  return String(field(c, 'status') ?? 'Unknown');
}

/** A route's parents as `gateway[/section]`, and whether each accepted it. */
function routeParents(status: unknown): string {
  const parents = field(status, 'parents');
  if (!Array.isArray(parents)) return '';
  return parents
    .map((p) => {
      const ref = field(p, 'parentRef');
      const section = field(ref, 'sectionName');
      const name = `${String(field(ref, 'name'))}${section ? `/${String(section)}` : ''}`;
      return `${name}=${conditionStatus(p, 'Accepted') === 'True' ? 'Accepted' : 'NotAccepted'}`;
    })
    .join(',');
}

const routeColumns = {
  headers: ['HOSTNAMES', 'PARENTS'],
  cells: (s: unknown, status: unknown) => [list(field(s, 'hostnames')), routeParents(status)],
};

/**
 * Extra columns per kind, as `kubectl get` prints Istio's and Gateway API's CRDs (printer columns); keyed by
 * `group/Kind` where the bare kind is ambiguous (Gateway).
 */
const COLUMNS: Record<string, { headers: string[]; cells: (spec: unknown, status: unknown) => string[] }> = {
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
  'gateway.networking.k8s.io/Gateway': {
    headers: ['CLASS', 'PROGRAMMED'],
    cells: (s, st) => [String(field(s, 'gatewayClassName') ?? ''), conditionStatus(st, 'Programmed')],
  },
  GatewayClass: {
    headers: ['CONTROLLER', 'ACCEPTED'],
    cells: (s, st) => [String(field(s, 'controllerName') ?? ''), conditionStatus(st, 'Accepted')],
  },
  HTTPRoute: routeColumns,
  GRPCRoute: routeColumns,
  TLSRoute: routeColumns,
  TCPRoute: { headers: ['PARENTS'], cells: (_s, st) => [routeParents(st)] },
};

/** The columns for a kind: by `group/Kind` first, then by the bare kind (Istio's, for `Gateway`). */
function columnsFor(item: ResourceBody) {
  const slash = item.apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : item.apiVersion.slice(0, slash);
  return COLUMNS[`${group}/${item.kind}`] ?? COLUMNS[item.kind];
}

export function renderResourceTable(items: readonly ResourceBody[], withNamespace: boolean): string {
  const kinds = new Set(items.map((i) => `${i.apiVersion.replace(/\/[^/]*$/, '')}/${i.kind}`));
  const extra = kinds.size === 1 ? columnsFor(items[0]) : undefined;
  const headers = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', ...(kinds.size > 1 ? ['KIND'] : [])];
  headers.push(...(extra?.headers ?? []));
  const rows = items.map((i) => [
    ...(withNamespace ? [String(i.metadata.namespace ?? '')] : []),
    String(i.metadata.name),
    ...(kinds.size > 1 ? [i.kind] : []),
    ...(extra?.cells(i.spec, i.status) ?? []),
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
