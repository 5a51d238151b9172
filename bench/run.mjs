// `npm run bench`: the end-to-end load benchmark — upstream direct vs proxy pairs (nginx, Node.js peers,
// Trellis) on 127.0.0.1, closed-loop throughput, open-loop latency, CPU and RSS per proxy. See bench/README.md.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs } from './lib/args.mjs';
import { ensureTools } from './lib/install.mjs';
import { closedLoopRun, openLoopRun, recordIdleRss, recordLoadedRss, stillRunning } from './lib/measure.mjs';
import { BODY_BYTES } from './lib/nginx.mjs';
import { chooseOpenLoopGenerator } from './lib/open-loop-run.mjs';
import { killAllSync, sleep, stopAll } from './lib/procs.mjs';
import { markdown, summarize } from './lib/report.mjs';
import { startScenario, startUpstream } from './lib/scenarios.mjs';
import { summarizeProfileFile } from './profile-summary.mjs';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const resultsDir = path.join(benchDir, 'results');
const log = (message) => process.stderr.write(`bench: ${message}\n`);

/** Scenario order for round r: rotated so no scenario always runs first (or right after a heavy one). */
const rotate = (items, r) => items.map((_, i) => items[(i + r) % items.length]);

async function main() {
  const options = parseBenchArgs(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const stamp = startedAt.replace(/[:.]/g, '-');
  const tools = ensureTools(log);
  const generator = chooseOpenLoopGenerator(options.generator, log);
  log(`open-loop generator: ${generator.kind}${generator.binary ? ` (${generator.binary})` : ''}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
  let interrupted = false;
  const cleanUp = async () => {
    await stopAll({ graceMs: options.profile ? 5000 : 2000 });
    if (!options.keepTemp) rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: stopping every process started`);
      cleanUp().finally(() => process.exit(130));
    });
  }
  process.on('exit', killAllSync);

  const ctx = {
    ...options,
    ...tools,
    dir,
    stamp,
    profileDir: path.join(resultsDir, 'prof'),
  };
  const loadStart = os.loadavg();
  try {
    log(`temp dir ${dir}; starting the upstream`);
    const upstream = await startUpstream(ctx);
    const scenarios = [];
    for (const id of options.scenarios) {
      log(`starting ${id}`);
      const scenario = await startScenario(ctx, id, upstream.port);
      scenario.closed = [];
      scenario.open = [];
      if (scenario.unavailable) log(`${id}: unavailable: ${scenario.unavailable}`);
      scenarios.push(scenario);
    }
    const live = () =>
      scenarios.filter((s) => {
        if (stillRunning(s)) return true;
        if (s.failed && !s.failureLogged) log(`${s.id}: failed: ${s.failed}`);
        s.failureLogged = true;
        return false;
      });
    // A failed run (wrk or the generator erroring, a proxy dying) fails its scenario, not the benchmark.
    const attempt = async (scenario, what, run) => {
      try {
        return await run();
      } catch (err) {
        if (interrupted) throw err;
        // A proxy that died explains the failure better than the load generator's complaint.
        if (stillRunning(scenario))
          scenario.failed = `${what}: ${err instanceof Error ? err.message : String(err)}`;
        return null;
      }
    };
    await sleep(1000); // Let the proxies settle before idle RSS is read.
    for (const s of live()) recordIdleRss(s);

    if (options.warmupS > 0) {
      for (const s of live()) {
        log(`warm-up ${s.id} (${options.warmupS} s)`);
        await attempt(s, 'warm-up', () => closedLoopRun(ctx, s, 'warmup', options.warmupS));
      }
    }
    for (let r = 0; r < options.rounds; r++) {
      for (const s of rotate(live(), r)) {
        const run = await attempt(s, 'closed loop', () => closedLoopRun(ctx, s, r + 1, options.durationS));
        if (run) log(`round ${r + 1} closed ${s.id}: ${Math.round(run.requestsPerSecond)} req/s`);
      }
    }
    for (let r = 0; r < options.rounds; r++) {
      for (const s of rotate(live(), r)) {
        const run = await attempt(s, 'open loop', () => openLoopRun(ctx, s, r + 1, options.durationS));
        if (run) log(`round ${r + 1} open ${s.id}: P50 ${run.latencyMs.p50} P99 ${run.latencyMs.p99} ms`);
      }
    }
    for (const s of live()) recordLoadedRss(s);
    for (const s of scenarios) stillRunning(s);

    const summary = summarize(scenarios, options.rate);
    const meta = {
      startedAt,
      durationS: options.durationS,
      rounds: options.rounds,
      warmupS: options.warmupS,
      connections: options.connections,
      rate: options.rate,
      openLoopGenerator: generator.kind,
      bodyBytes: BODY_BYTES,
      accessLog: options.accessLog,
      profile: options.profile,
      trellisNodeFlags: options.nodeFlags,
      nginxWorkerProcesses: 1,
      cpus: os.cpus().length,
      node: process.version,
      loadAverage: { start: loadStart, end: os.loadavg() },
    };
    await cleanUp();
    mkdirSync(resultsDir, { recursive: true });
    const jsonPath = path.join(resultsDir, `${stamp}.json`);
    const raw = scenarios.map(({ proxies, ...rest }) => ({
      ...rest,
      proxies: (proxies ?? []).map((p) => ({ role: p.role, pid: p.proc.child.pid })),
    }));
    writeFileSync(jsonPath, `${JSON.stringify({ meta, summary, raw }, null, 2)}\n`);
    if (!options.jsonOnly) process.stdout.write(`${markdown(summary, meta)}\n\n`);
    process.stdout.write(`Results: ${path.relative(process.cwd(), jsonPath)}\n`);
    if (options.profile) {
      const written = existsSync(ctx.profileDir)
        ? readdirSync(ctx.profileDir).filter((f) => f.includes(stamp))
        : [];
      if (written.length === 0) {
        process.stdout.write(
          'CPU profiles: none written (Node writes one only when the proxy exits on SIGTERM)\n',
        );
      }
      for (const file of written) {
        const full = path.join(ctx.profileDir, file);
        process.stdout.write(
          `\nCPU profile ${path.relative(process.cwd(), full)} (open in Chrome DevTools), ` +
            `top self time of the busy time:\n${summarizeProfileFile(full, 12)}\n`,
        );
      }
    }
  } catch (err) {
    if (interrupted) return; // The signal handler is already stopping everything.
    log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    await cleanUp();
    process.exitCode = 1;
  }
}

await main();
