// `trellis proxy-status`: istioctl's table of every connected proxy's xDS sync state per type (SYNCED,
// NOT SENT, STALE), with the NACK message under the row when the proxy refused the config last sent.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { CONTROLPLANE_FLAG_HELP, ControlPlaneClient, controlPlaneUrl } from '../controlplane/api/client.js';
import type { ProxySyncWire } from '../controlplane/api/wire.js';
import { findProxy } from './proxy-config.js';
import { diffByName, dynamicResources, renderDiff } from './render/config-diff.js';
import { renderTable } from './render/table.js';

const TYPES = ['CDS', 'LDS', 'EDS', 'RDS', 'SDS'] as const;

/** The table, then one indented `NACK` line per type whose last sent version the proxy refused. */
export function renderProxyStatus(proxies: readonly ProxySyncWire[]): string {
  const sorted = [...proxies].sort((a, b) => a.name.localeCompare(b.name));
  const rows = sorted.map((p) => [
    // Proxyless gRPC clients are marked, as they hold only the resources they asked for.
    p.generator === 'grpc' ? `${p.name} (proxyless gRPC)` : p.name,
    ...TYPES.map((t) => p.types[t]?.state ?? 'NOT SENT'),
    p.controlPlane,
  ]);
  const lines = renderTable(['NAME', ...TYPES, 'CONTROLPLANE'], rows, 1).split('\n');
  const out = [lines[0]];
  sorted.forEach((p, i) => {
    out.push(lines[i + 1]);
    for (const [type, s] of Object.entries(p.types)) {
      if (s.nack && s.nack.version === s.sentVersion && s.state !== 'SYNCED') {
        out.push(`    NACK ${type} (version ${s.nack.version}): ${s.nack.message}`);
      }
    }
  });
  return `${out.join('\n')}\n`;
}

/** istioctl's `proxy-status <proxy>`: the control plane's generated config against the proxy's config_dump. */
async function compareWithProxy(client: ControlPlaneClient, p: ProxySyncWire): Promise<string> {
  if (!p.admin) throw new Error(`proxy ${p.name} announced no admin port (node metadata TRELLIS_ADMIN_PORT)`);
  const host = p.admin.host.includes(':') ? `[${p.admin.host}]` : p.admin.host;
  const [generated, dump] = await Promise.all([
    client.generatedConfig(p.proxyId),
    fetch(`http://${host}:${p.admin.port}/config_dump`).then((r) => r.json() as Promise<unknown>),
  ]);
  const kinds = [
    ['Clusters', 'clusters'],
    ['Listeners', 'listeners'],
    ['Routes', 'routes'],
  ] as const;
  return kinds
    .map(([title, kind]) => {
      const expected = Array.isArray(generated[kind]) ? (generated[kind] as unknown[]) : [];
      return renderDiff(title, diffByName(expected, dynamicResources(dump, kind)));
    })
    .join('');
}

interface ProxyStatusOptions {
  output?: string;
  controlplane?: string;
}

export async function runProxyStatus(
  proxy: string | undefined,
  opts: ProxyStatusOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const client = new ControlPlaneClient(controlPlaneUrl(opts.controlplane));
  let proxies = await client.syncz();
  if (proxy !== undefined) {
    try {
      proxies = [findProxy(proxies, proxy)];
    } catch (e) {
      err.write(`trellis proxy-status: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }
  if (proxy !== undefined && proxies.length === 1 && !opts.output) {
    const report = await compareWithProxy(client, proxies[0]);
    out.write(`Comparing the control plane's config with proxy ${proxies[0].name}\n${report}`);
    return report.includes("Don't Match") ? 1 : 0;
  }
  if (opts.output === 'json') out.write(`${JSON.stringify(proxies, null, 2)}\n`);
  else if (opts.output === 'yaml') out.write(stringify(proxies));
  else if (proxies.length === 0) err.write('no proxies connected\n');
  else out.write(renderProxyStatus(proxies));
  return 0;
}

export function registerProxyStatus(program: Command): void {
  program
    .command('proxy-status')
    .alias('ps')
    .description('xDS sync status of every proxy connected to the control plane (SYNCED, NOT SENT, STALE)')
    .argument(
      '[proxy]',
      "compare this proxy's config with the control plane's (<name>.<namespace> or node id)",
    )
    .option('-o, --output <format>', 'json or yaml (default: a table)')
    .option('--controlplane <url>', CONTROLPLANE_FLAG_HELP)
    .action(async (proxy: string | undefined, opts: ProxyStatusOptions) => {
      process.exitCode = await runProxyStatus(proxy, opts, process.stdout, process.stderr);
    });
}
