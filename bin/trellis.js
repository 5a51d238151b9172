#!/usr/bin/env node
// The `trellis` executable: runs the compiled CLI from dist/, or explains how to build it.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('trellis: not built yet; run `npm ci && npm run build` in the project root\n');
  process.exit(2);
}

/**
 * `trellis proxy` runs from dist/bundle/ (scripts/bundle-proxy.mjs): every sidecar and gateway is a proxy, and
 * the bundle keeps ~6 MB less in each one. Only when the bundle is at least as new as the compiled CLI, so a
 * bare `tsc` never leaves a proxy running yesterday's code; TRELLIS_UNBUNDLED=1 forces the plain files.
 */
function proxyBundle() {
  if (process.argv[2] !== 'proxy' || process.env.TRELLIS_UNBUNDLED === '1') return undefined;
  const bundle = fileURLToPath(new URL('../dist/bundle/main.js', import.meta.url));
  try {
    return statSync(bundle).mtimeMs >= statSync(main).mtimeMs ? bundle : undefined;
  } catch {
    return undefined;
  }
}

await import(proxyBundle() ?? main);
