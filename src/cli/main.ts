// The `trellis` command: one program, every role and tool a subcommand (each registered from its own file).
// Only the invoked subcommand's module is loaded, so a proxy does not pay for the control plane's code (and
// the reverse); `--help` and unknown names load them all.
import { Command } from 'commander';

type Register = (program: Command) => void;

/** Subcommand name → the module that registers it (one line per file; a file may register several). */
const COMMANDS: Record<string, () => Promise<Register[]>> = {
  version: async () => [(await import('./version.js')).registerVersion],
  validate: async () => [(await import('./validate.js')).registerValidate],
  analyze: async () => [(await import('./analyze.js')).registerAnalyze],
  run: async () => [(await import('./run.js')).registerRun],
  up: async () => [(await import('./up.js')).registerUp],
  apply: async () => [(await import('./apply.js')).registerApply],
  get: async () => [(await import('./get.js')).registerGet],
  delete: async () => [(await import('./delete.js')).registerDelete],
  'proxy-status': async () => [(await import('./proxy-status.js')).registerProxyStatus],
  'proxy-config': async () => [(await import('./proxy-config.js')).registerProxyConfig],
  controlplane: async () => [(await import('./controlplane.js')).registerControlplane],
  proxy: async () => [(await import('./proxy.js')).registerProxy],
};
/** Commands registered by another command's module. */
const ALIASES: Record<string, string> = { down: 'up', ps: 'proxy-status', pc: 'proxy-config' };

/**
 * With TRELLIS_EXIT_WITH_PARENT=1 (set by `trellis up` for what it starts, and by tests), a process that
 * loses its parent stops itself the graceful way (SIGTERM) instead of lingering as an orphan.
 */
function exitWithParent(): void {
  if (process.env.TRELLIS_EXIT_WITH_PARENT !== '1') return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 1000).unref();
}

async function main(): Promise<void> {
  exitWithParent();
  const program = new Command('trellis')
    .description("Trellis: a service mesh that speaks Istio's API")
    .showHelpAfterError()
    .enablePositionalOptions();
  const invoked = process.argv[2];
  const name = invoked && (COMMANDS[invoked] ? invoked : ALIASES[invoked]);
  const loaders = name ? [COMMANDS[name]] : Object.values(COMMANDS);
  for (const load of loaders) for (const register of await load()) register(program);
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  process.stderr.write(`trellis: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
