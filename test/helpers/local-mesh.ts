// Starts a sample mesh with `trellis up` as a real process for end-to-end tests: the sample copied into a temp
// dir with free ports for the gateway and control plane, and helpers to call it, change it and stop it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/runtime/ports.js';
import { projectRoot, trellisArgv } from './trellis-bin.js';

export { freePort };

export interface LocalMesh {
  dir: string;
  gatewayPorts: number[];
  httpPort: number;
  /** The control plane's xDS (and CA) port. */
  xdsPort: number;
  output: () => string;
  /** Runs a `trellis` subcommand against this mesh's control plane; returns its exit status and output. */
  trellis: (...args: string[]) => { status: number | null; stdout: string; stderr: string };
  stop: () => Promise<void>;
  process: ChildProcess;
}

/**
 * Copies samples/<name> to a temp dir (app paths made absolute, each gateway port in `gatewayFiles` replaced by
 * a free one) and runs `trellis up` there; resolves once the mesh reports it is up.
 */
export async function startSampleMesh(
  name: string,
  gatewayFiles: string[],
  timeoutMs = 180_000,
  /** Changes the copied mesh file's text before the mesh starts (e.g. more replicas). */
  editMesh: (meshYaml: string) => string = (y) => y,
): Promise<LocalMesh> {
  const root = projectRoot();
  const dir = mkdtempSync(join(tmpdir(), `trellis-${name}-`));
  cpSync(join(root, 'samples', name), dir, { recursive: true });
  const meshFile = join(dir, 'mesh.yaml');
  writeFileSync(
    meshFile,
    editMesh(readFileSync(meshFile, 'utf8').replaceAll('../../dist/', `${root}/dist/`)),
  );
  const gatewayPorts: number[] = [];
  for (const f of gatewayFiles) {
    const file = join(dir, f);
    let text = readFileSync(file, 'utf8');
    // Gateway server ports only (`number:` followed by the port's `name:`), not route destination ports.
    for (const m of text.matchAll(/number: (\d+)(\n\s+name:)/g)) {
      const port = await freePort();
      gatewayPorts.push(port);
      text = text.replace(m[0], `number: ${port}${m[2]}`);
    }
    writeFileSync(file, text);
  }
  return startMesh(dir, meshFile, gatewayPorts, timeoutMs);
}

/** Runs `trellis up -f meshFile` with its state under `dir`; resolves once the mesh reports it is up. */
export async function startMesh(
  dir: string,
  meshFile: string,
  gatewayPorts: number[] = [],
  timeoutMs = 180_000,
): Promise<LocalMesh> {
  const [xdsPort, httpPort] = [await freePort(), await freePort()];
  const [cmd, ...pre] = trellisArgv();
  const child = spawn(
    cmd,
    [
      ...pre,
      'up',
      '-f',
      meshFile,
      '--state-dir',
      join(dir, '.trellis'),
      '--xds-port',
      String(xdsPort),
      '--http-port',
      String(httpPort),
    ],
    // If this test process dies (e.g. a timeout), the mesh stops itself instead of outliving it.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRELLIS_EXIT_WITH_PARENT: '1' } },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`mesh not up after ${timeoutMs} ms:\n${out.slice(-4000)}`)),
      timeoutMs,
    );
    const check = () => {
      if (/mesh "[^"]+" is up/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`trellis up exited with ${code}:\n${out.slice(-4000)}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
  };
  const trellis = (...args: string[]) => {
    const r = spawnSync(cmd, [...pre, ...args, '--controlplane', `http://127.0.0.1:${httpPort}`], {
      encoding: 'utf8',
      cwd: dir,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { dir, gatewayPorts, httpPort, xdsPort, output: () => out, trellis, stop, process: child };
}

/** Running (an exited child not yet reaped — state Z — has let go of everything and does not count). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Every descendant process of `pid`, from /proc (children first-level, then theirs). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) {
        out.push(Number(entry), ...descendants(Number(entry)));
      }
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
