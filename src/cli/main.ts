// The `trellis` command: one program, every role and tool a subcommand (each registered from its own file).
import { Command } from 'commander';
import { registerAnalyze } from './analyze.js';
import { registerApply } from './apply.js';
import { registerDelete } from './delete.js';
import { registerGet } from './get.js';
import { registerProxyConfig } from './proxy-config.js';
import { registerProxyStatus } from './proxy-status.js';
import { registerControlplane } from './controlplane.js';
import { registerProxy } from './proxy.js';
import { registerRun } from './run.js';
import { registerUp } from './up.js';
import { registerValidate } from './validate.js';
import { registerVersion } from './version.js';

const program = new Command('trellis')
  .description("Trellis: a service mesh that speaks Istio's API")
  .showHelpAfterError()
  .enablePositionalOptions();

// One line per subcommand; each file owns its flags and behaviour.
registerVersion(program);
registerValidate(program);
registerAnalyze(program);
registerRun(program);
registerUp(program);
registerApply(program);
registerGet(program);
registerDelete(program);
registerProxyStatus(program);
registerProxyConfig(program);
registerControlplane(program);
registerProxy(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`trellis: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
