// `trellis controlplane`: the istiod equivalent — watches a config directory, keeps the service registry,
// serves xDS over gRPC (ADS) and the debug/config HTTP API, until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { parseDuration } from '../common/duration.js';
import { type KeyType, parseKeyType } from '../controlplane/ca/x509.js';
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
  stateDir: string;
  ca: boolean;
  caCert?: string;
  caKey?: string;
  certChain?: string;
  rootCert?: string;
  caKeyType: string;
  workloadCertTtl: string;
  maxWorkloadCertTtl: string;
}

function port(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${flag} ${value}: expected a port 0-65535`);
  return n;
}

function keyType(value: string): KeyType {
  const t = parseKeyType(value);
  if (t === undefined) throw new Error(`--ca-key-type ${value}: expected ecdsa or rsa`);
  return t;
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
    .option('--state-dir <dir>', 'where the CA keeps its root and token key (<dir>/ca)', '.trellis')
    .option('--no-ca', 'run no CA: workloads get no certificates (no mutual TLS)')
    .option('--ca-cert <file>', "the signing (intermediate) certificate, Istio's ca-cert.pem")
    .option('--ca-key <file>', "its private key, Istio's ca-key.pem")
    .option('--cert-chain <file>', "chain from the signing certificate to the root, Istio's cert-chain.pem")
    .option('--root-cert <file>', "the root certificate, Istio's root-cert.pem")
    .option('--ca-key-type <type>', 'key type of a self-signed root: ecdsa (P-256) or rsa (2048)', 'ecdsa')
    .option('--workload-cert-ttl <duration>', 'default lifetime of workload certificates', '24h')
    .option('--max-workload-cert-ttl <duration>', 'longest lifetime a workload may ask for', '2160h')
    .action(async (o: ControlPlaneCliOptions) => {
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const ttl = (flag: string, v: string) => {
        const d = parseDuration(v);
        if (!d.ok || d.ms <= 0) throw new Error(`${flag} ${v}: expected a positive duration such as 24h`);
        return d.ms;
      };
      const cp = await ControlPlane.start({
        configDir: o.configDir,
        host: o.listen,
        xdsPort: port('--xds-port', o.xdsPort),
        httpPort: port('--http-port', o.httpPort),
        mesh: { domain: o.domain, rootNamespace: o.rootNamespace, trustDomain: o.trustDomain ?? o.domain },
        watch: o.watch,
        log,
        ca: o.ca
          ? {
              stateDir: o.stateDir,
              caCert: o.caCert,
              caKey: o.caKey,
              certChain: o.certChain,
              rootCert: o.rootCert,
              keyType: keyType(o.caKeyType),
              defaultTtlMs: ttl('--workload-cert-ttl', o.workloadCertTtl),
              maxTtlMs: ttl('--max-workload-cert-ttl', o.maxWorkloadCertTtl),
            }
          : undefined,
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
