// Runs bench/open-loop.mjs as a tracked child process (its own event loop, away from the harness) and
// returns its JSON summary.
import { fileURLToPath } from 'node:url';
import { start } from './procs.mjs';

const script = fileURLToPath(new URL('../open-loop.mjs', import.meta.url));

export async function runOpenLoopChild(port, { rate, durationS, warmupS = 1, connections = 32 }) {
  const args = [
    script,
    '--target',
    `127.0.0.1:${port}`,
    '--rate',
    String(rate),
    '--duration',
    String(durationS),
    '--warmup',
    String(warmupS),
    '--connections',
    String(connections),
  ];
  const proc = start('open-loop', process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  proc.child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  const { code, error } = await proc.exit;
  if (error || code !== 0) {
    throw new Error(`open-loop generator failed (${error?.message ?? `exit ${code}`}): ${err.slice(-300)}`);
  }
  return JSON.parse(out);
}
