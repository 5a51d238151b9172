// Runs every test: builds the project (tsc into dist/), then node's test runner over the compiled
// *.test.js files. `--unit` runs only the unit tests beside the code (src/), a path argument runs only
// the test files under it. Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('npm', ['run', '--silent', 'build']);
run('npm', ['run', '--silent', 'lint']);

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const roots = unitOnly ? ['dist/src'] : ['dist/src', 'dist/test'];
// Only compiled tests whose source still exists: tsc never deletes the output of a removed or renamed file.
let files = roots
  .flatMap((r) => collect(join(root, r), []))
  .map((f) => relative(root, f))
  .filter((f) => existsSync(join(root, f.replace(/^dist\//, '').replace(/\.js$/, '.ts'))));
if (filters.length > 0) {
  files = files.filter((f) =>
    filters.some((flt) => f.includes(flt.replace(/\.ts$/, '').replace(/^(src|test)\//, ''))),
  );
}
files.sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Integration tests start real processes and listen on real sockets: two at a time fits 2 cores.
run(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=600000', ...files]);
