// How tests start the real `trellis` program as a child process, compiled (dist/) or from source (tsx).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The argv prefix that runs `trellis`: [node, ...flags, main]; append the subcommand and its arguments. */
export function trellisArgv(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) {
    // dist/test/helpers/trellis-bin.js -> bin/trellis.js: the executable users run, so compiled tests also run
    // `trellis proxy` from its bundle (dist/bundle/), as every sidecar and gateway does.
    return [process.execPath, fileURLToPath(new URL('../../../bin/trellis.js', import.meta.url))];
  }
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  if (!existsSync(main)) throw new Error(`cannot find the trellis entry point at ${main}`);
  // The loader by its resolved path, so the command also runs from another working directory.
  return [process.execPath, '--import', import.meta.resolve('tsx'), main];
}

/** The project root (the folder holding package.json), whether tests run from dist/ or from source. */
export function projectRoot(): string {
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 6; i++) {
    if (existsSync(fileURLToPath(new URL('package.json', dir)))) return fileURLToPath(dir).replace(/\/$/, '');
    dir = new URL('..', dir);
  }
  throw new Error('cannot find the project root');
}
