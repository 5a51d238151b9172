// `trellis run`: starts one workload with its own sidecar (local injection), or as a proxyless gRPC app with
// its agent (`--proxyless`), and exits when the app exits.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { splitHostPort } from '../common/host-port.js';
import { runProxylessWorkload } from '../runtime/proxyless-workload.js';
import { runWorkload, type WorkloadOptions, type WorkloadPort } from '../runtime/workload.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parsePort(spec: string): WorkloadPort {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new Error(
      `--port ${spec}: expected name:port, e.g. http:9080 (the name's prefix gives the protocol)`,
    );
  }
  return { name: m[1], port };
}

export function parseHostPort(spec: string): { host: string; port: number } {
  const hp = splitHostPort(spec);
  if (hp?.port === undefined) throw new Error(`expected host:port, got "${spec}"`);
  return { host: hp.host, port: hp.port };
}

interface RunOptions {
  name: string;
  namespace: string;
  version?: string;
  serviceAccount?: string;
  port: string[];
  label: string[];
  xds: string;
  domain: string;
  caAddress?: string;
  tokenFile?: string;
  proxyless?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a workload with its own sidecar: its calls and its inbound traffic go through the mesh')
    .requiredOption('--name <name>', 'workload name; also the app label unless --label app=… is given')
    .option('--namespace <ns>', 'namespace', 'default')
    .option('--version <v>', 'version label (subsets select on it)')
    .option('--service-account <sa>', 'service account (the workload identity); default: the app label')
    .option('--port <name:port>', 'a port the app serves, e.g. http:9080 (repeatable)', collect, [])
    .option('--label <key=value>', 'a workload label (repeatable)', collect, [])
    .option('--xds <host:port>', 'control plane xDS address', '127.0.0.1:15010')
    .option('--domain <domain>', 'cluster domain', 'cluster.local')
    .option(
      '--token-file <file>',
      "the workload's bootstrap token (proves its identity to the CA); without it the sidecar has no certificate",
    )
    .option('--ca-address <host:port>', 'the CA (default: the xDS address)')
    .option(
      '--proxyless',
      'no sidecar: a gRPC app that takes its config over xDS itself (GRPC_XDS_BOOTSTRAP), serving --port directly; with --token-file its certificate files are kept fresh for xDS credentials',
    )
    .argument('<command...>', 'the app to run, after --')
    .passThroughOptions()
    .action(async (command: string[], opts: RunOptions) => {
      const labels: Record<string, string> = { app: opts.name };
      if (opts.version) labels.version = opts.version;
      for (const l of opts.label) {
        const i = l.indexOf('=');
        if (i <= 0) throw new Error(`--label ${l}: expected key=value`);
        labels[l.slice(0, i)] = l.slice(i + 1);
      }
      const options: WorkloadOptions = {
        identity: {
          type: 'sidecar',
          name: opts.version ? `${opts.name}-${opts.version}` : opts.name,
          namespace: opts.namespace,
          labels,
          serviceAccount: opts.serviceAccount ?? labels.app,
          domain: opts.domain,
        },
        ports: opts.port.map(parsePort),
        command,
        xds: parseHostPort(opts.xds),
        ca: opts.tokenFile
          ? { address: opts.caAddress ?? opts.xds, token: readFileSync(opts.tokenFile, 'utf8').trim() }
          : undefined,
      };
      const workload = opts.proxyless ? await runProxylessWorkload(options) : await runWorkload(options);
      const forward = () => workload.stop();
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      process.exitCode = await workload.exited;
    });
}
