// `trellis proxy-config listener|route|cluster|endpoint|bootstrap|secret|log <proxy>`: reads a proxy's admin
// API (found through the control plane by the TRELLIS_ADMIN_PORT its node announced, or given with --admin,
// or a saved dump with --file) and prints istioctl's tables, or the config_dump's own JSON/YAML with -o.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { CONTROLPLANE_FLAG_HELP, ControlPlaneClient, controlPlaneUrl } from '../controlplane/api/client.js';
import type { ProxySyncWire } from '../controlplane/api/wire.js';
import { bootstrapSection, renderBootstrapSummary } from './render/bootstrap.js';
import { clusterMatches, renderClusters } from './render/cluster.js';
import { clustersOf, type Json, listenersOf, routeConfigsOf, str } from './render/dump.js';
import { endpointStatuses, renderEndpoints } from './render/endpoint.js';
import { listenerMatches, renderListeners } from './render/listener.js';
import { renderRoutes } from './render/route.js';
import { renderSecrets, secretRows, secretsSection } from './render/secret.js';

interface CommonOptions {
  output?: string;
  controlplane?: string;
  admin?: string;
  file?: string;
}

/** Picks the proxy the user named: node id, `<name>.<namespace>`, bare name, or a unique prefix of the name. */
export function findProxy(proxies: readonly ProxySyncWire[], wanted: string): ProxySyncWire {
  const exact = proxies.find((p) => p.proxyId === wanted || p.name === wanted);
  if (exact) return exact;
  const candidates = proxies.filter((p) => p.name.split('.')[0] === wanted || p.name.startsWith(wanted));
  if (candidates.length === 1) return candidates[0];
  const known = proxies.map((p) => p.name).join(', ') || 'none';
  if (candidates.length > 1) {
    throw new Error(`"${wanted}" matches several proxies: ${candidates.map((p) => p.name).join(', ')}`);
  }
  throw new Error(`no connected proxy named "${wanted}" (connected: ${known})`);
}

/** The admin API's base URL: --admin (`port`, `host:port` or a URL), else the control plane's record. */
async function adminUrl(proxy: string | undefined, opts: CommonOptions): Promise<string> {
  if (opts.admin) {
    if (/^\d+$/.test(opts.admin)) return `http://127.0.0.1:${opts.admin}`;
    return opts.admin.includes('://') ? opts.admin.replace(/\/+$/, '') : `http://${opts.admin}`;
  }
  if (!proxy) throw new Error('name a proxy (see `trellis proxy-status`), or give --admin or --file');
  const client = new ControlPlaneClient(controlPlaneUrl(opts.controlplane));
  const p = findProxy(await client.syncz(), proxy);
  if (!p.admin) {
    throw new Error(
      `proxy ${p.name} announced no admin port (node metadata TRELLIS_ADMIN_PORT); give --admin <host:port>`,
    );
  }
  const host = p.admin.host.includes(':') ? `[${p.admin.host}]` : p.admin.host;
  return `http://${host}:${p.admin.port}`;
}

async function adminCall(base: string, path: string, method = 'GET'): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new Error(`cannot reach the proxy's admin API at ${base} (${cause?.code ?? String(err)})`);
  }
  const body = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${base}${path}: HTTP ${res.status}: ${body.trim()}`);
  return body;
}

async function loadJson(proxy: string | undefined, opts: CommonOptions, path: string): Promise<unknown> {
  const text = opts.file
    ? await readFile(opts.file, 'utf8')
    : await adminCall(await adminUrl(proxy, opts), path);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${opts.file ?? path}: not JSON`);
  }
}

function structured(value: unknown, format: string): string {
  return format === 'yaml' ? stringify(value, { lineWidth: 0 }) : `${JSON.stringify(value, null, 2)}\n`;
}

function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** Runs `fn`, writing its text to stdout; errors go to stderr with exit code 1. */
async function run(fn: () => Promise<string>): Promise<void> {
  try {
    process.stdout.write(await fn());
  } catch (err) {
    process.stderr.write(`trellis proxy-config: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

function common(cmd: Command, outputs = 'json or yaml (default: a table)'): Command {
  return cmd
    .argument(
      '[proxy]',
      'the proxy: <name>.<namespace> (see `trellis proxy-status`), its node id, or a unique prefix',
    )
    .option('-o, --output <format>', outputs)
    .option('--controlplane <url>', CONTROLPLANE_FLAG_HELP)
    .option(
      '--admin <address>',
      "the proxy's admin API (port, host:port or URL), instead of asking the control plane",
    )
    .option('--file <path>', 'read a saved /config_dump (for endpoint: /clusters?format=json) instead');
}

type ListenerOptions = CommonOptions & { port?: string; address?: string };
type RouteOptions = CommonOptions & { name?: string };
type ClusterOptions = CommonOptions & { fqdn?: string; port?: string; subset?: string; direction?: string };
type EndpointOptions = CommonOptions & { cluster?: string; port?: string; address?: string; status?: string };
type LogOptions = CommonOptions & { level?: string };

export function registerProxyConfig(program: Command): void {
  const pc = program
    .command('proxy-config')
    .alias('pc')
    .description(
      "a proxy's configuration as it serves it (listeners, routes, clusters, endpoints, secrets, …)",
    );

  common(pc.command('listener').alias('listeners').description('listeners, one row per filter chain'))
    .option('--port <port>', 'only listeners on this port')
    .option('--address <ip>', 'only listeners on this address')
    .action((proxy: string | undefined, o: ListenerOptions) =>
      run(async () => {
        const filter = { port: num(o.port), address: o.address };
        const ls = listenersOf(await loadJson(proxy, o, '/config_dump')).filter((l) =>
          listenerMatches(l, filter),
        );
        return o.output ? structured(ls, o.output) : renderListeners(ls);
      }),
    );

  common(pc.command('route').alias('routes').description('route configurations, one row per route'))
    .option('--name <name>', 'only this route configuration (e.g. 9080)')
    .action((proxy: string | undefined, o: RouteOptions) =>
      run(async () => {
        const rcs = routeConfigsOf(await loadJson(proxy, o, '/config_dump')).filter(
          (r) => o.name === undefined || str(r.name) === o.name,
        );
        return o.output ? structured(rcs, o.output) : renderRoutes(rcs);
      }),
    );

  common(pc.command('cluster').alias('clusters').description('clusters, Istio names taken apart'))
    .option('--fqdn <host>', 'only clusters of this service FQDN (prefix)')
    .option('--port <port>', 'only this service port')
    .option('--subset <name>', 'only this subset')
    .option('--direction <dir>', 'inbound or outbound')
    .action((proxy: string | undefined, o: ClusterOptions) =>
      run(async () => {
        const filter = { fqdn: o.fqdn, port: num(o.port), subset: o.subset, direction: o.direction };
        const cs = clustersOf(await loadJson(proxy, o, '/config_dump')).filter((c) =>
          clusterMatches(c, filter),
        );
        return o.output ? structured(cs, o.output) : renderClusters(cs);
      }),
    );

  common(
    pc
      .command('endpoint')
      .alias('endpoints')
      .description("endpoints with health and outlier state (the admin's /clusters)"),
  )
    .option('--cluster <name>', 'only this cluster')
    .option('--port <port>', 'only endpoints on this port')
    .option('--address <ip>', 'only this address')
    .option('--status <status>', 'only HEALTHY, UNHEALTHY, DEGRADED, DRAINING')
    .action((proxy: string | undefined, o: EndpointOptions) =>
      run(async () => {
        const filter = { cluster: o.cluster, port: num(o.port), address: o.address, status: o.status };
        const json = await loadJson(proxy, o, '/clusters?format=json');
        return o.output
          ? structured(endpointStatuses(json, filter), o.output)
          : renderEndpoints(json, filter);
      }),
    );

  common(
    pc.command('bootstrap').description('the bootstrap the proxy started from'),
    'json or yaml (default: a summary)',
  ).action((proxy: string | undefined, o: CommonOptions) =>
    run(async () => {
      const b = bootstrapSection(await loadJson(proxy, o, '/config_dump'));
      if (!b) throw new Error('the config dump has no bootstrap section');
      return o.output ? structured(b, o.output) : renderBootstrapSummary(b);
    }),
  );

  common(
    pc.command('secret').alias('secrets').description('SDS secrets: certificate chains and roots'),
  ).action((proxy: string | undefined, o: CommonOptions) =>
    run(async () => {
      const s = secretsSection(await loadJson(proxy, o, '/config_dump'));
      if (o.output) return structured(s ?? {}, o.output);
      return renderSecrets(secretRows(s as Json | undefined));
    }),
  );

  pc.command('log')
    .description("show the proxy's logger levels, or set them with --level (POST /logging)")
    .argument('[proxy]', 'the proxy: <name>.<namespace>, its node id, or a unique prefix')
    .option('--level <level>', 'a level for every logger (debug, info, …) or name:level,name:level')
    .option('--controlplane <url>', CONTROLPLANE_FLAG_HELP)
    .option('--admin <address>', "the proxy's admin API (port, host:port or URL)")
    .action((proxy: string | undefined, o: LogOptions) =>
      run(async () => {
        const base = await adminUrl(proxy, o);
        const q =
          o.level === undefined
            ? ''
            : o.level.includes(':')
              ? `?paths=${encodeURIComponent(o.level)}`
              : `?level=${encodeURIComponent(o.level)}`;
        return adminCall(base, `/logging${q}`, 'POST');
      }),
    );
}
