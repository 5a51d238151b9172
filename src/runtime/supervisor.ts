// `trellis up`: runs a whole local mesh — the control plane, every workload of a Mesh file with its sidecar
// (replicas side by side), an ingress gateway and, when asked, an egress gateway — restarts crashed
// workloads, and stops it all on request.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { BootstrapTokenIssuer } from '../controlplane/ca/token.js';
import { waitReady } from './admin-client.js';
import { proxyBootstrap } from './bootstrap.js';
import { pipeLines } from './log-prefix.js';
import { EGRESS_GATEWAY_LABELS, plannedEgressGatewayPorts } from './mesh-plan.js';
import { freePort, portIsFree } from './ports.js';
import { runProxylessWorkload } from './proxyless-workload.js';
import { RestartPolicy } from './restart.js';
import { proxyArgv, selfArgv } from './self.js';
import { runWorkload, type WorkloadOptions } from './workload.js';

interface GatewayKind {
  /** Deployment name, as in Istio. */
  name: string;
  /** Log prefix and state file names. */
  short: string;
  what: string;
  labels: Readonly<Record<string, string>>;
}

const INGRESS: GatewayKind = {
  name: 'istio-ingressgateway',
  short: 'ingressgateway',
  what: 'ingress gateway',
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
};

const EGRESS: GatewayKind = {
  name: 'istio-egressgateway',
  short: 'egressgateway',
  what: 'egress gateway',
  labels: EGRESS_GATEWAY_LABELS,
};

export interface SupervisorOptions {
  stateDir: string;
  /** Directory the control plane watches (already filled with the mesh's resources). */
  configDir: string;
  workloads: (Omit<WorkloadOptions, 'xds'> & { replicaOf: string })[];
  /** Ports the ingress gateway serves (from the Gateway resources). */
  gatewayPorts: number[];
  /**
   * Ports the egress gateway serves; empty: no egress gateway; absent: as planned into `configDir` by
   * planMesh (its generated ServiceEntry).
   */
  egressGatewayPorts?: number[];
  domain: string;
  xdsPort?: number;
  httpPort?: number;
  /** Run the CA and give every proxy a certificate (default true). */
  ca?: boolean;
  log: (line: string) => void;
}

function waitForPort(port: number, timeoutMs: number, gone: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const why = gone();
      if (why) return reject(new Error(why));
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline)
          reject(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export class Supervisor {
  private controlPlane?: ChildProcess;
  private readonly gateways: ChildProcess[] = [];
  private readonly running = new Map<string, { exited: Promise<number>; stop(): void }>();
  private stopping = false;
  xdsPort = 0;
  httpPort = 0;
  gatewayAdminPort = 0;
  egressGatewayAdminPort = 0;

  /** Signs each workload's bootstrap token (the control plane's CSR service checks it). */
  private tokens: BootstrapTokenIssuer | undefined;

  constructor(private readonly opts: SupervisorOptions) {}

  /** The CA settings for a proxy with this identity, when the mesh runs a CA. */
  private async caFor(namespace: string, serviceAccount: string): Promise<WorkloadOptions['ca']> {
    if (!this.tokens) return undefined;
    return {
      address: `127.0.0.1:${this.xdsPort}`,
      token: await this.tokens.issue(namespace, serviceAccount),
    };
  }

  async start(): Promise<void> {
    const { opts } = this;
    mkdirSync(opts.stateDir, { recursive: true });
    this.xdsPort = opts.xdsPort ?? ((await portIsFree(15010)) ? 15010 : await freePort());
    this.httpPort = opts.httpPort ?? ((await portIsFree(15014)) ? 15014 : await freePort());
    if (opts.ca !== false) {
      // Made here, before the control plane starts, so both processes read the same key from the state dir.
      const { BootstrapTokenIssuer, loadOrCreateTokenKey } = await import('../controlplane/ca/index.js');
      this.tokens = new BootstrapTokenIssuer((await loadOrCreateTokenKey(opts.stateDir)).privateKey);
    }
    const [node, ...pre] = selfArgv();
    const cp = spawn(
      node,
      [
        ...pre,
        'controlplane',
        '--config-dir',
        opts.configDir,
        '--xds-port',
        String(this.xdsPort),
        '--http-port',
        String(this.httpPort),
        '--domain',
        opts.domain,
        '--state-dir',
        opts.stateDir,
        ...(this.tokens ? [] : ['--no-ca']),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRELLIS_EXIT_WITH_PARENT: '1' } },
    );
    this.controlPlane = cp;
    pipeLines(cp.stdout!, process.stdout, '[controlplane] ');
    pipeLines(cp.stderr!, process.stderr, '[controlplane] ');
    let cpGone: string | undefined;
    cp.once('exit', (code, signal) => {
      cpGone = `the control plane exited (${signal ?? code})`;
      if (!this.stopping) opts.log(`${cpGone}; stopping the mesh`);
      if (!this.stopping) void this.stop();
    });
    await waitForPort(this.xdsPort, 15_000, () => cpGone);
    opts.log(`control plane: xDS on 127.0.0.1:${this.xdsPort}, API on http://127.0.0.1:${this.httpPort}`);

    // A few at a time: every start loads the proxy and the app at once, and 2 cores thrash beyond that.
    const queue = [...opts.workloads];
    const worker = async () => {
      for (let w = queue.shift(); w; w = queue.shift()) await this.keepRunning(w);
    };
    await Promise.all([
      this.opts.gatewayPorts.length > 0 ? this.startGateway(INGRESS) : undefined,
      this.egressPorts().length > 0 ? this.startGateway(EGRESS) : undefined,
      worker(),
      worker(),
    ]);
    writeFileSync(join(opts.stateDir, 'up.pid'), String(process.pid));
  }

  private egressPorts(): number[] {
    return this.opts.egressGatewayPorts ?? plannedEgressGatewayPorts(this.opts.configDir);
  }

  private async startGateway(kind: GatewayKind): Promise<void> {
    const ports = kind === INGRESS ? this.opts.gatewayPorts : this.egressPorts();
    for (const port of ports) {
      if (!(await portIsFree(port)))
        throw new Error(`the ${kind.what} needs 127.0.0.1:${port}, which is taken`);
    }
    const adminPort = await freePort();
    if (kind === INGRESS) this.gatewayAdminPort = adminPort;
    else this.egressGatewayAdminPort = adminPort;
    const file = join(this.opts.stateDir, `${kind.short}-bootstrap.json`);
    const serviceAccount = `${kind.name}-service-account`;
    const bootstrap = proxyBootstrap({
      identity: {
        type: 'router',
        name: kind.name,
        namespace: 'istio-system',
        labels: { ...kind.labels },
        serviceAccount,
        domain: this.opts.domain,
      },
      adminPort,
      xds: { host: '127.0.0.1', port: this.xdsPort },
      metadata: { TRELLIS_GATEWAY_ADDRESS: '127.0.0.1' },
    });
    writeFileSync(file, JSON.stringify(bootstrap, null, 2));
    const [node, ...proxy] = proxyArgv();
    const args = [...proxy, '--config', file];
    const ca = await this.caFor('istio-system', serviceAccount);
    if (ca) {
      const tokenFile = join(this.opts.stateDir, `${kind.short}-token`);
      writeFileSync(tokenFile, `${ca.token}\n`, { mode: 0o600 });
      args.push('--ca-address', ca.address, '--token-file', tokenFile);
    }
    const gw = spawn(node, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRELLIS_EXIT_WITH_PARENT: '1' },
    });
    this.gateways.push(gw);
    pipeLines(gw.stdout!, process.stdout, `[${kind.short}] `);
    pipeLines(gw.stderr!, process.stderr, `[${kind.short}] `);
    let gone: string | undefined;
    gw.once('exit', (code, signal) => {
      gone = `the ${kind.what} exited (${signal ?? code})`;
    });
    await waitReady(adminPort, { timeoutMs: 60_000, aborted: () => gone });
  }

  /** Starts a workload and restarts it with back-off whenever it exits, until the mesh stops. */
  private async keepRunning(w: SupervisorOptions['workloads'][number]): Promise<void> {
    const policy = new RestartPolicy();
    const key = w.identity.name;
    const launch = async (): Promise<void> => {
      policy.started();
      const options: WorkloadOptions = {
        ...w,
        xds: { host: '127.0.0.1', port: this.xdsPort },
        ca: await this.caFor(w.identity.namespace, w.identity.serviceAccount),
      };
      // A proxyless app serves its ports itself: each replica gets free ones, announced as its endpoints.
      const running = w.proxyless
        ? await runProxylessWorkload({
            ...options,
            ports: await Promise.all(w.ports.map(async (p) => ({ name: p.name, port: await freePort() }))),
          })
        : await runWorkload(options);
      this.running.set(key, running);
      void running.exited.then((code) => {
        this.running.delete(key);
        if (this.stopping) return;
        const delay = policy.nextDelayMs();
        this.opts.log(`${w.logPrefix ?? key} exited with code ${code}; restarting in ${delay / 1000} s`);
        setTimeout(() => {
          if (!this.stopping) launch().catch((err: unknown) => this.opts.log(`${key}: ${String(err)}`));
        }, delay);
      });
    };
    await launch();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const apps = [...this.running.values()];
    for (const r of apps) r.stop();
    await Promise.all(apps.map((r) => r.exited));
    await Promise.all(this.gateways.map((g) => stopChild(g)));
    if (this.controlPlane) await stopChild(this.controlPlane);
  }
}
