// One workload with its own sidecar — the local equivalent of Istio's injection: the sidecar starts first
// and is ready before the app (holdApplicationUntilProxyStarts), the app's calls go through it via HTTP_PROXY
// (and the Node preload), its inbound port is served by the sidecar, and the sidecar exits when the app does.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitReady } from './admin-client.js';
import { type ProxyIdentity, proxyBootstrap } from './bootstrap.js';
import { pipeLines } from './log-prefix.js';
import { freePort } from './ports.js';
import { proxyArgv } from './self.js';

export interface WorkloadPort {
  name: string;
  /** The service port clients call (e.g. 9080). */
  port: number;
}

export interface WorkloadOptions {
  identity: ProxyIdentity;
  ports: WorkloadPort[];
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
  xds: { host: string; port: number };
  /** Prefix for log lines; default `[name]`. */
  logPrefix?: string;
  /** How long the sidecar may take to get its first configuration (ms). */
  readyTimeoutMs?: number;
  /**
   * Where the sidecar gets its certificate: the CA's gRPC address and the bootstrap token proving the
   * workload's identity (written owner-only beside the bootstrap). Absent: no certificate, no mTLS.
   */
  ca?: { address: string; token: string };
  /** Run as a proxyless gRPC app with its agent, no sidecar (see proxyless-workload.ts). */
  proxyless?: boolean;
}

export interface RunningWorkload {
  /** The address clients' sidecars reach this workload at (its sidecar's inbound listener). */
  inboundPort: number;
  outboundPort: number;
  adminPort: number;
  appPorts: Record<string, number>;
  sidecar: ChildProcess;
  app: ChildProcess;
  /** Resolves with the app's exit code once the app and its sidecar have both exited. */
  exited: Promise<number>;
  stop(): void;
}

/** The Node preload that routes fetch/http through HTTP_PROXY: compiled JS, or the TS source via tsx. */
function preloadFlags(): string {
  const js = fileURLToPath(new URL('./preload/node-proxy.js', import.meta.url));
  if (existsSync(js)) return `--import ${js}`;
  const ts = fileURLToPath(new URL('./preload/node-proxy.ts', import.meta.url));
  // From source: the app runs elsewhere (its own cwd), so name the TypeScript loader by its resolved path.
  return `--import ${import.meta.resolve('tsx')} --import ${ts}`;
}

/**
 * The app's environment: ours and the workload's, where to listen (HOST, PORT for the first port, PORT_<NAME>
 * for each; `listen` gives the port the app itself binds), who it is, and `extra` (how it reaches the mesh).
 */
export function appEnv(
  opts: Pick<WorkloadOptions, 'env' | 'identity'>,
  listen: readonly { name: string; port: number }[],
  extra: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...(opts.env ?? {}),
    HOST: '127.0.0.1',
    ...(listen[0] ? { PORT: String(listen[0].port) } : {}),
    ...extra,
    HOSTNAME: opts.identity.name,
    TRELLIS_WORKLOAD: opts.identity.name,
    TRELLIS_NAMESPACE: opts.identity.namespace,
    TRELLIS_EXIT_WITH_PARENT: '1',
  };
  for (const p of listen) env[`PORT_${p.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = String(p.port);
  return env;
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
export function terminate(child: ChildProcess, graceMs = 5000): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  t.unref();
  child.once('exit', () => clearTimeout(t));
}

export async function runWorkload(opts: WorkloadOptions): Promise<RunningWorkload> {
  const { identity } = opts;
  const prefix = opts.logPrefix ?? `[${identity.name}]`;
  const [adminPort, inboundPort, outboundPort] = [await freePort(), await freePort(), await freePort()];
  const appPorts: Record<string, number> = {};
  for (const p of opts.ports) appPorts[String(p.port)] = await freePort();

  const dir = mkdtempSync(join(tmpdir(), `trellis-${identity.name}-`));
  const bootstrapFile = join(dir, 'bootstrap.json');
  const bootstrap = proxyBootstrap({
    identity,
    adminPort,
    xds: opts.xds,
    metadata: {
      TRELLIS_OUTBOUND_PORT: String(outboundPort),
      TRELLIS_INBOUND_PORT: String(inboundPort),
      TRELLIS_APP_PORTS: appPorts,
      // Every named port is reached through the one inbound listener, which picks the port from Host.
      POD_PORTS: JSON.stringify(opts.ports.map((p) => ({ name: p.name, containerPort: inboundPort }))),
    },
  });
  writeFileSync(bootstrapFile, JSON.stringify(bootstrap, null, 2));
  const identityArgs: string[] = [];
  if (opts.ca) {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${opts.ca.token}\n`, { mode: 0o600 });
    identityArgs.push('--ca-address', opts.ca.address, '--token-file', tokenFile);
  }

  const [node, ...proxy] = proxyArgv();
  const sidecar = spawn(node, [...proxy, '--config', bootstrapFile, ...identityArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // No orphaned proxies: if whoever started this workload dies without stopping it, the sidecar goes too.
    env: { ...process.env, TRELLIS_EXIT_WITH_PARENT: '1' },
  });
  pipeLines(sidecar.stdout!, process.stdout, `${prefix} sidecar `);
  pipeLines(sidecar.stderr!, process.stderr, `${prefix} sidecar `);
  let sidecarGone: string | undefined;
  sidecar.once('exit', (code, signal) => {
    sidecarGone = `sidecar exited (${signal ?? code}) before it was ready`;
  });
  try {
    await waitReady(adminPort, { timeoutMs: opts.readyTimeoutMs ?? 60_000, aborted: () => sidecarGone });
  } catch (err) {
    terminate(sidecar);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const proxyUrl = `http://127.0.0.1:${outboundPort}`;
  const env = appEnv(
    opts,
    opts.ports.map((p) => ({ name: p.name, port: appPorts[String(p.port)] })),
    {
      HTTP_PROXY: proxyUrl,
      http_proxy: proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${preloadFlags()}`.trim(),
    },
  );

  const [cmd, ...args] = opts.command;
  const app = spawn(cmd, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  pipeLines(app.stdout!, process.stdout, `${prefix} `);
  pipeLines(app.stderr!, process.stderr, `${prefix} `);

  const exited = new Promise<number>((resolve) => {
    let appCode = 0;
    app.once('error', (err) => {
      process.stderr.write(`${prefix} cannot start ${cmd}: ${err.message}\n`);
      appCode = 127;
      terminate(sidecar);
    });
    app.once('exit', (code, signal) => {
      appCode = code ?? (signal ? 128 + 15 : 1);
      terminate(sidecar);
    });
    sidecar.once('exit', () => {
      // A sidecar that dies under a live app leaves it cut off: stop the app too, never orphan either.
      terminate(app);
      const done = () => {
        rmSync(dir, { recursive: true, force: true });
        resolve(appCode);
      };
      if (app.exitCode !== null || app.signalCode !== null) done();
      else app.once('exit', done);
    });
  });

  return {
    inboundPort,
    outboundPort,
    adminPort,
    appPorts,
    sidecar,
    app,
    exited,
    stop: () => terminate(app),
  };
}
