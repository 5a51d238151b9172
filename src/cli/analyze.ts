// `trellis analyze`: schema validation plus cross-resource analysis of files, printed as istioctl does.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { analyzeFiles, formatFinding } from '../analyze/index.js';

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('find configuration problems across resources (Istio analyzer codes IST01xx)')
    .requiredOption(
      '-f, --filename <paths...>',
      'files or directories of YAML/JSON resources, or - for stdin',
    )
    .option('-n, --namespace <ns>', 'namespace for resources that name none', 'default')
    .option('--domain <domain>', 'cluster domain of service host names', 'cluster.local')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .action(async (opts: { filename: string[]; namespace: string; domain: string; output: string }) => {
      const { findings } = await analyzeFiles(opts.filename, {
        namespace: opts.namespace,
        domain: opts.domain,
      });
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
