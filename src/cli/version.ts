// `trellis version`: prints the program's version and the Node.js it runs on.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

export function trellisVersion(): string {
  // dist/src/cli/version.js and src/cli/version.ts both sit two levels below the package root's parent dir.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'trellis' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export function registerVersion(program: Command): void {
  program.version(trellisVersion(), '--version');
  program
    .command('version')
    .description('print the Trellis version')
    .action(() => {
      process.stdout.write(`trellis ${trellisVersion()} (node ${process.version})\n`);
    });
}
