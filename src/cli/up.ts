// `trellis up` and `trellis down`: start a whole local mesh from a Mesh file, and stop it.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { planMesh } from '../runtime/mesh-plan.js';
import { Supervisor } from '../runtime/supervisor.js';

const log = (line: string) => process.stdout.write(`[trellis] ${line}\n`);

export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run a local mesh: control plane, every workload of the Mesh file with its sidecar, ingress gateway',
    )
    .option('-f, --filename <file>', 'the Mesh file', 'samples/bookinfo/mesh.yaml')
    .option(
      '--state-dir <dir>',
      'where the control plane keeps its config and the pid file lives',
      '.trellis',
    )
    .option('--xds-port <port>', 'control plane xDS port (default 15010, or a free one)')
    .option('--http-port <port>', 'control plane API port (default 15014, or a free one)')
    .action(async (opts: { filename: string; stateDir: string; xdsPort?: string; httpPort?: string }) => {
      const started = Date.now();
      const stateDir = resolve(opts.stateDir);
      const configDir = join(stateDir, 'config');
      const plan = await planMesh(opts.filename, configDir);
      const supervisor = new Supervisor({
        stateDir,
        configDir,
        workloads: plan.workloads,
        gatewayPorts: plan.gatewayPorts,
        egressGatewayPorts: plan.egressGatewayPorts,
        domain: plan.mesh.spec.domain,
        ...(opts.xdsPort ? { xdsPort: Number(opts.xdsPort) } : {}),
        ...(opts.httpPort ? { httpPort: Number(opts.httpPort) } : {}),
        log,
      });
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        log('stopping the mesh…');
        void supervisor.stop().then(() => {
          rmSync(join(stateDir, 'up.pid'), { force: true });
          log('stopped');
          process.exit(0);
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      process.on('SIGHUP', stop);
      // Whoever read our output is gone (closed terminal or pipe): stop cleanly rather than crash on EPIPE
      // and leave the proxies behind.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', stop);
      try {
        await supervisor.start();
      } catch (err) {
        log(`cannot start the mesh: ${err instanceof Error ? err.message : String(err)}`);
        await supervisor.stop();
        process.exit(1);
      }
      log(
        `mesh "${plan.mesh.metadata.name}" is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${plan.workloads.length} workloads`,
      );
      for (const url of plan.urls) log(`open ${url}`);
      log(
        `control plane API: http://127.0.0.1:${supervisor.httpPort} — stop with Ctrl-C or \`trellis down\``,
      );
    });

  program
    .command('down')
    .description('stop the mesh `trellis up` started')
    .option('--state-dir <dir>', 'the state directory `trellis up` used', '.trellis')
    .action(async (opts: { stateDir: string }) => {
      const pidFile = join(resolve(opts.stateDir), 'up.pid');
      if (!existsSync(pidFile)) throw new Error(`no running mesh found (${pidFile} does not exist)`);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        rmSync(pidFile, { force: true });
        throw new Error(`the mesh (pid ${pid}) was not running; removed its stale pid file`);
      }
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          process.kill(pid, 0);
        } catch {
          log('mesh stopped');
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the mesh (pid ${pid}) did not stop within 30 s`);
    });
}
