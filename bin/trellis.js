#!/usr/bin/env node
// The `trellis` executable: runs the compiled CLI from dist/, or explains how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('trellis: not built yet; run `npm ci && npm run build` in the project root\n');
  process.exit(2);
}
await import(main);
