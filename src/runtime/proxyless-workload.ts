// One proxyless gRPC workload (Istio's grpc-agent injection): no sidecar — the app's gRPC library talks xDS to
// the control plane itself. This process is its agent: it writes the app's gRPC xDS bootstrap (the node's
// identity with GENERATOR=grpc, Istio's server listener name template, a file_watcher certificate provider),
// keeps the workload certificate files fresh, starts the app with GRPC_XDS_BOOTSTRAP once they exist, and
// exits with it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CLUSTER_ID, nodeId, type ProxyIdentity } from './bootstrap.js';
import type { WorkloadCertificate } from './cert-client/index.js';
import { startWorkloadIdentity, type WorkloadIdentity } from './cert-client/workload-identity.js';
import { pipeLines } from './log-prefix.js';
import { appEnv, terminate, type WorkloadOptions } from './workload.js';

/** The label that tells clients (and the control plane) whether the workload speaks Istio mTLS. */
const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
/** Istio's file names in the agent's certificate directory. */
export const CERT_FILES = { chain: 'cert-chain.pem', key: 'key.pem', roots: 'root-cert.pem' } as const;
/** How often gRPC re-reads the certificate files (Istio's value); the agent renews at half-life. */
const CERT_REFRESH = '900s';

export interface GrpcBootstrapOptions {
  identity: ProxyIdentity;
  ip: string;
  xds: { host: string; port: number };
  /** The ports the app serves itself (its endpoints in the registry). */
  ports: WorkloadOptions['ports'];
  /** Where the certificate files are; absent: no certificates, the workload is plain text. */
  certDir?: string;
}

/** The gRPC xDS bootstrap (gRFC A27 with Istio's additions) for GRPC_XDS_BOOTSTRAP. */
export function grpcBootstrap(o: GrpcBootstrapOptions): Record<string, unknown> {
  const { identity } = o;
  const labels = { ...identity.labels, [TLS_MODE_LABEL]: o.certDir ? 'istio' : 'disabled' };
  return {
    xds_servers: [
      {
        server_uri: `${o.xds.host}:${o.xds.port}`,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3'],
      },
    ],
    node: {
      id: nodeId(identity, o.ip),
      locality: {},
      metadata: {
        GENERATOR: 'grpc',
        NAMESPACE: identity.namespace,
        NAME: identity.name,
        WORKLOAD_NAME: identity.name,
        LABELS: labels,
        SERVICE_ACCOUNT: identity.serviceAccount,
        INSTANCE_IPS: o.ip,
        CLUSTER_ID: DEFAULT_CLUSTER_ID,
        POD_PORTS: JSON.stringify(o.ports.map((p) => ({ name: p.name, containerPort: p.port }))),
      },
    },
    server_listener_resource_name_template: 'xds.istio.io/grpc/lds/inbound/%s',
    ...(o.certDir
      ? {
          certificate_providers: {
            default: {
              plugin_name: 'file_watcher',
              config: {
                certificate_file: join(o.certDir, CERT_FILES.chain),
                private_key_file: join(o.certDir, CERT_FILES.key),
                ca_certificate_file: join(o.certDir, CERT_FILES.roots),
                refresh_interval: CERT_REFRESH,
              },
            },
          },
        }
      : {}),
  };
}

/** Replaces a file in one step, so gRPC never reads half of it. */
function writeAtomically(path: string, data: string, mode = 0o644): void {
  writeFileSync(`${path}.tmp`, data, { mode });
  renameSync(`${path}.tmp`, path);
}

/** Writes the certificate files; the key before the chain, so a reader never pairs a new chain with an old key for long. */
export function writeCertificateFiles(dir: string, cert: WorkloadCertificate): void {
  writeAtomically(join(dir, CERT_FILES.key), cert.privateKeyPem, 0o600);
  writeAtomically(join(dir, CERT_FILES.chain), cert.certChainPem);
  writeAtomically(join(dir, CERT_FILES.roots), cert.rootsPem);
}

export interface RunningProxylessWorkload {
  app: ChildProcess;
  /** The bootstrap file the app was given. */
  bootstrapFile: string;
  /** Resolves with the app's exit code. */
  exited: Promise<number>;
  stop(): void;
}

/** Resolves when `ready` does, or rejects after `timeoutMs`. */
function within(ready: Promise<void>, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([ready, timeout]).finally(() => clearTimeout(timer));
}

export async function runProxylessWorkload(opts: WorkloadOptions): Promise<RunningProxylessWorkload> {
  const { identity } = opts;
  const prefix = opts.logPrefix ?? `[${identity.name}]`;
  const dir = mkdtempSync(join(tmpdir(), `trellis-${identity.name}-`));
  const log = (line: string) => process.stdout.write(`${prefix} agent ${line}\n`);
  let certs: WorkloadIdentity | undefined;
  if (opts.ca) {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${opts.ca.token}\n`, { mode: 0o600 });
    let written: () => void = () => {};
    const firstWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    certs = startWorkloadIdentity({
      caAddress: opts.ca.address,
      tokenFile,
      onSecrets: (_secrets, cert) => {
        writeCertificateFiles(dir, cert);
        written();
      },
      log,
    });
    try {
      // Hold the app until its certificate files exist (holdApplicationUntilProxyStarts).
      await within(firstWritten, opts.readyTimeoutMs ?? 60_000, 'no workload certificate');
    } catch (err) {
      certs.close();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  const bootstrapFile = join(dir, 'grpc-bootstrap.json');
  const bootstrap = grpcBootstrap({
    identity,
    ip: '127.0.0.1',
    xds: opts.xds,
    ports: opts.ports,
    ...(opts.ca ? { certDir: dir } : {}),
  });
  writeFileSync(bootstrapFile, JSON.stringify(bootstrap, null, 2));

  const env = appEnv(opts, opts.ports, { GRPC_XDS_BOOTSTRAP: bootstrapFile });
  const [cmd, ...args] = opts.command;
  const app = spawn(cmd, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  pipeLines(app.stdout!, process.stdout, `${prefix} `);
  pipeLines(app.stderr!, process.stderr, `${prefix} `);
  const exited = new Promise<number>((resolve) => {
    let finished = false;
    const done = (code: number) => {
      if (finished) return;
      finished = true;
      certs?.close();
      rmSync(dir, { recursive: true, force: true });
      resolve(code);
    };
    app.once('error', (err) => {
      process.stderr.write(`${prefix} cannot start ${cmd}: ${err.message}\n`);
      done(127);
    });
    app.once('exit', (code, signal) => done(code ?? (signal ? 128 + 15 : 1)));
  });
  return {
    app,
    bootstrapFile,
    exited,
    stop: () => terminate(app),
  };
}
