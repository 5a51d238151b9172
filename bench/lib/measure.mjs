// One measured run of one scenario: closed loop (wrk, with per-proxy CPU and RSS over the run) or open
// loop (fixed-rate latency); results are appended to the scenario object.
import { runOpenLoopChild } from './open-loop-run.mjs';
import { sampleRss, treeCpuSeconds, treeMemory, treePrivateMemory } from './procstat.mjs';
import { runWrk } from './wrk.mjs';

/** Marks the scenario failed if one of its proxies has exited; returns true when it can still be measured. */
export function stillRunning(scenario) {
  if (scenario.unavailable || scenario.failed) return false;
  const dead = scenario.proxies.find((p) => p.proc.exited);
  if (dead) {
    scenario.failed = `${dead.role} proxy exited (code ${dead.proc.code}, signal ${dead.proc.signal})`;
    return false;
  }
  return true;
}

/** Idle RSS of each proxy, bytes; taken once after start-up, before any load. */
export function recordIdleRss(scenario) {
  scenario.rss = {};
  for (const { role, proc } of scenario.proxies) {
    const { pss, private: priv } = treePrivateMemory(proc.child.pid);
    scenario.rss[role] = {
      idle: treeMemory(proc.child.pid).rss,
      loaded: 0,
      sampledPeak: 0,
      pssIdle: pss,
      privateIdle: priv,
      pssEnd: 0,
      privateEnd: 0,
    };
  }
}

/** Peak RSS since start of each proxy (VmHWM, summed over an nginx master and worker), bytes. */
export function recordLoadedRss(scenario) {
  for (const { role, proc } of scenario.proxies) {
    if (proc.exited) continue;
    scenario.rss[role].loaded = treeMemory(proc.child.pid).hwm;
    const { pss, private: priv } = treePrivateMemory(proc.child.pid);
    scenario.rss[role].pssEnd = pss;
    scenario.rss[role].privateEnd = priv;
  }
}

export async function closedLoopRun(ctx, scenario, round, durationS) {
  const pids = scenario.proxies.map((p) => p.proc.child.pid);
  const cpuBefore = pids.map(treeCpuSeconds);
  const sampler = sampleRss(pids);
  let result;
  try {
    result = await runWrk(ctx.wrk, scenario.port, { durationS, connections: ctx.connections });
  } finally {
    const peaks = sampler.stop();
    scenario.proxies.forEach((p, i) => {
      const peak = peaks.get(pids[i]);
      if (peak > scenario.rss[p.role].sampledPeak) scenario.rss[p.role].sampledPeak = peak;
    });
  }
  const cpuAfter = pids.map(treeCpuSeconds);
  const cpuPerThousand = {};
  scenario.proxies.forEach((p, i) => {
    // CPU seconds per 1000 requests = ms of CPU per request.
    cpuPerThousand[p.role] =
      result.requests > 0 ? ((cpuAfter[i] - cpuBefore[i]) / result.requests) * 1000 : 0;
  });
  const run = {
    round,
    requestsPerSecond: result.requestsPerSecond,
    requests: result.requests,
    non2xx: result.non2xx,
    socketErrors: result.socketErrors,
    latencyMs: result.latencyMs,
    cpuSecondsPer1000: cpuPerThousand,
  };
  if (round !== 'warmup') scenario.closed.push(run);
  return run;
}

export async function openLoopRun(ctx, scenario, round, durationS) {
  const pids = scenario.proxies.map((p) => p.proc.child.pid);
  const cpuBefore = pids.map(treeCpuSeconds);
  const result = await runOpenLoopChild(scenario.port, {
    rate: ctx.rate,
    durationS,
    warmupS: 1,
    connections: 32,
  });
  const cpuAfter = pids.map(treeCpuSeconds);
  // CPU per request at the fixed rate (warm-up second included): the sidecar's cost at a steady load.
  const cpuPerThousand = {};
  scenario.proxies.forEach((p, i) => {
    cpuPerThousand[p.role] = result.sent > 0 ? ((cpuAfter[i] - cpuBefore[i]) / result.sent) * 1000 : 0;
  });
  const run = { round, ...result, cpuSecondsPer1000: cpuPerThousand };
  scenario.open.push(run);
  return run;
}
