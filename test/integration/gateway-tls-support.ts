// Test support for gateway TLS: certificates made by the openssl CLI in a temp dir (a CA, leaf certificates
// for DNS names, client certificates), curl through the gateway with --resolve to 127.0.0.1, and a
// gateway (`trellis proxy` as a router) started from a generated bootstrap.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitReady } from '../../src/runtime/admin-client.js';
import { proxyBootstrap } from '../../src/runtime/bootstrap.js';
import { trellisArgv } from '../helpers/trellis-bin.js';

const run = promisify(execFile);

/** A CA (`<name>.pem`, `<name>.key`) in `dir`. */
export function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** A leaf signed by `ca` for the DNS names (server) or a client certificate (`client: true`). */
export function makeLeaf(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  dnsNames: string[],
  client = false,
): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  execFileSync(
    'openssl',
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      `/CN=${dnsNames[0] ?? name}`,
    ],
    { stdio: 'ignore' },
  );
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      `extendedKeyUsage=${client ? 'clientAuth' : 'serverAuth'}`,
      ...(dnsNames.length ? [`subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}`] : []),
    ].join('\n'),
  );
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      '2',
      '-extfile',
      ext,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export interface CurlResult {
  code: number;
  status: number;
  body: string;
  headers: string;
  stderr: string;
}

/** curl to `url` with `host:port` resolved to 127.0.0.1 only; never throws. */
export async function curl(
  host: string,
  port: number,
  url: string,
  extra: string[] = [],
): Promise<CurlResult> {
  const args = ['-sS', '-D', '-', '--max-time', '5', '--resolve', `${host}:${port}:127.0.0.1`, ...extra, url];
  try {
    const { stdout, stderr } = await run('curl', args);
    return parse(0, stdout, stderr);
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return parse(e.code ?? 1, e.stdout ?? '', e.stderr ?? '');
  }
}

function parse(code: number, out: string, stderr: string): CurlResult {
  const split = out.indexOf('\r\n\r\n');
  const headers = split < 0 ? out : out.slice(0, split);
  const body = split < 0 ? '' : out.slice(split + 4);
  const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1] ?? 0);
  return { code, status, body, headers, stderr };
}

/** Retries `probe` every 100 ms until it returns true or `ms` pass. */
export async function eventually(probe: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface GatewayProcess {
  child: ChildProcess;
  adminPort: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `trellis proxy` as a gateway (router) with `labels`, fed by the control plane at `xdsPort`. */
export async function startGateway(
  dir: string,
  name: string,
  labels: Record<string, string>,
  xdsPort: number,
  adminPort: number,
): Promise<GatewayProcess> {
  const file = join(dir, `${name}-bootstrap.json`);
  const bootstrap = proxyBootstrap({
    identity: {
      type: 'router',
      name,
      namespace: 'istio-system',
      labels,
      serviceAccount: `${name}-service-account`,
      domain: 'cluster.local',
    },
    adminPort,
    xds: { host: '127.0.0.1', port: xdsPort },
    metadata: { TRELLIS_GATEWAY_ADDRESS: '127.0.0.1' },
  });
  writeFileSync(file, JSON.stringify(bootstrap));
  const [cmd, ...args] = trellisArgv();
  const child = spawn(cmd, [...args, 'proxy', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let gone: string | undefined;
  child.once('exit', (code, signal) => {
    gone = `gateway exited (${signal ?? code}): ${out}`;
  });
  await waitReady(adminPort, { timeoutMs: 30_000, aborted: () => gone });
  return {
    child,
    adminPort,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
