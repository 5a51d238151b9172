// Runs the open-loop generator as a tracked child process (its own process, away from the harness) and
// returns its JSON summary: the native one (bench/native/open-loop.c) when it builds, else the Node one
// (bench/open-loop.mjs). Both print the same fields.
import { fileURLToPath } from 'node:url';
import { ensureCompiler } from './install.mjs';
import { buildNativeOpenLoop } from './native-open-loop.mjs';
import { start } from './procs.mjs';

const nodeScript = fileURLToPath(new URL('../open-loop.mjs', import.meta.url));

/** The generator chosen for this process: { kind: 'native' | 'node', binary? }; null until chosen. */
let chosen = null;

/**
 * Picks the generator once per process: 'native' (build it or throw), 'node', or 'auto' (native when a
 * C compiler is present or can be installed, else node with a one-line notice on stderr).
 */
export function chooseOpenLoopGenerator(preference = 'auto', log = (m) => process.stderr.write(`${m}\n`)) {
  if (preference === 'node') {
    chosen = { kind: 'node' };
    return chosen;
  }
  let built = buildNativeOpenLoop();
  if (built.noCompiler && ensureCompiler(log)) built = buildNativeOpenLoop();
  if (built.binary) {
    chosen = { kind: 'native', binary: built.binary };
    return chosen;
  }
  if (preference === 'native')
    throw new Error(`the native open-loop generator did not build: ${built.error}`);
  process.stderr.write(
    `bench: native open-loop generator unavailable (${built.error}); using bench/open-loop.mjs\n`,
  );
  chosen = { kind: 'node' };
  return chosen;
}

export async function runOpenLoopChild(port, { rate, durationS, warmupS = 1, connections = 32 }) {
  const generator = chosen ?? chooseOpenLoopGenerator('auto');
  const flags = [
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
  const proc =
    generator.kind === 'native'
      ? start('open-loop', generator.binary, flags, { stdio: ['ignore', 'pipe', 'pipe'] })
      : start('open-loop', process.execPath, [nodeScript, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    throw new Error(
      `${generator.kind} open-loop generator failed (${error?.message ?? `exit ${code}`}): ${err.slice(-300)}`,
    );
  }
  return { ...JSON.parse(out), generator: generator.kind };
}
