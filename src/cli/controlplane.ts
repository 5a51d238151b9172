// `trellis controlplane`: the istiod equivalent — watches a config directory, keeps the service registry,
// serves xDS over gRPC (ADS) and the debug/config HTTP API, until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { ControlPlane } from '../controlplane/server.js';

interface ControlPlaneCliOptions {
  configDir: string;
  xdsPort: string;
  httpPort: string;
  domain: string;
  rootNamespace: string;
  trustDomain?: string;
  listen: string;
  watch: boolean;
}

function port(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${flag} ${value}: expected a port 0-65535`);
  return n;
}

export function registerControlplane(program: Command): void {
  program
    .command('controlplane')
    .description(
      'run the control plane: config directory → registry → xDS (ADS) for proxies, plus debug endpoints',
    )
    .requiredOption('--config-dir <dir>', 'directory of Istio YAML (watched for changes)')
    .option('--xds-port <port>', 'gRPC port of the xDS (ADS) server; 0 = any free port', '15010')
    .option('--http-port <port>', 'HTTP port of /debug/* and the config API; 0 = any free port', '15014')
    .option('--domain <domain>', 'cluster DNS domain of service hostnames', 'cluster.local')
    .option(
      '--root-namespace <ns>',
      "namespace whose config applies mesh-wide (Istio's root namespace)",
      'istio-system',
    )
    .option('--trust-domain <domain>', 'SPIFFE trust domain (default: the DNS domain)')
    .option('--listen <address>', 'address both servers listen on', '127.0.0.1')
    .option('--no-watch', 'read the config directory once instead of watching it')
    .action(async (o: ControlPlaneCliOptions) => {
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const cp = await ControlPlane.start({
        configDir: o.configDir,
        host: o.listen,
        xdsPort: port('--xds-port', o.xdsPort),
        httpPort: port('--http-port', o.httpPort),
        mesh: { domain: o.domain, rootNamespace: o.rootNamespace, trustDomain: o.trustDomain ?? o.domain },
        watch: o.watch,
        log,
      });
      log(
        `control plane ready: xDS on ${o.listen}:${cp.xdsPort}, HTTP on http://${o.listen}:${cp.httpPort} (config ${o.configDir})`,
      );
      const stop = () => {
        log('control plane stopping');
        cp.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
