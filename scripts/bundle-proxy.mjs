// Bundles the compiled CLI (dist/src/cli/main.js) into dist/bundle/ for `trellis proxy`: one module graph of a
// few chunks instead of ~300 files, so each proxy keeps less module source and module state in its heap
// (measured: ~6 MB less RSS per proxy). Code splitting keeps each subcommand in its own lazily loaded chunk.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // re2 is a native addon: it stays a package import, resolved from node_modules beside dist/.
  external: ['re2'],
  // Bundled CommonJS packages (yaml, commander, grpc-js) call require(); ESM output has none of its own.
  banner: {
    js: "import { createRequire as createRequireForBundle } from 'node:module';\nconst require = createRequireForBundle(import.meta.url);",
  },
  logLevel: 'warning',
});
