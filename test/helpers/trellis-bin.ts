// How tests start the real `trellis` program as a child process, compiled (dist/) or from source (tsx).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The argv prefix that runs `trellis`: [node, ...flags, main]; append the subcommand and its arguments. */
export function trellisArgv(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) {
    // dist/test/helpers/trellis-bin.js -> dist/src/cli/main.js
    return [process.execPath, fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))];
  }
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  if (!existsSync(main)) throw new Error(`cannot find the trellis entry point at ${main}`);
  return [process.execPath, '--import', 'tsx', main];
}
