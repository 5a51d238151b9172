// `trellis analyze`: schema validation plus cross-resource analysis of files, printed as istioctl does.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { analyzeFiles, formatFinding } from '../analyze/index.js';
import { CONTROLPLANE_FLAG_HELP, ControlPlaneClient, controlPlaneUrl } from '../controlplane/api/client.js';

interface AnalyzeOptions {
  filename?: string[];
  live?: boolean;
  controlplane?: string;
  namespace: string;
  domain: string;
  output: string;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('find configuration problems across resources (Istio analyzer codes IST01xx)')
    .option('-f, --filename <paths...>', 'files or directories of YAML/JSON resources, or - for stdin')
    .option('--live', "analyze the running control plane's config instead of files")
    .option('--controlplane <url>', `${CONTROLPLANE_FLAG_HELP}; implies --live`)
    .option('-n, --namespace <ns>', 'namespace for resources that name none', 'default')
    .option('--domain <domain>', 'cluster domain of service host names', 'cluster.local')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .action(async (opts: AnalyzeOptions) => {
      const live = opts.live || opts.controlplane !== undefined;
      if (!live && !opts.filename) {
        process.stderr.write('trellis analyze: give -f <files> or --live\n');
        process.exitCode = 2;
        return;
      }
      const { findings } = live
        ? { findings: await new ControlPlaneClient(controlPlaneUrl(opts.controlplane)).analyze() }
        : await analyzeFiles(opts.filename ?? [], { namespace: opts.namespace, domain: opts.domain });
      if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
      } else if (opts.output === 'yaml') {
        process.stdout.write(stringify(findings));
      } else if (findings.length === 0) {
        process.stdout.write(`✔ No validation issues found when analyzing namespace: ${opts.namespace}.\n`);
      } else {
        for (const f of findings) process.stdout.write(`${formatFinding(f)}\n`);
      }
      process.exitCode = findings.some((f) => f.level === 'Error') ? 1 : 0;
    });
}
