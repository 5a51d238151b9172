// CPU time and memory of a process tree from /proc: utime+stime (all threads, in seconds) and VmRSS/VmHWM
// (in bytes), summed over the process and its descendants (an nginx proxy is a master plus one worker).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processTree } from './procs.mjs';

/** Clock ticks per second for /proc/<pid>/stat times; 100 on every Linux we know, asked once anyway. */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) used so far by one process; 0 if it is gone. */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, so utime (14) and stime (15) sit at
    // indexes 11 and 12 of the remainder.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** VmRSS and VmHWM (peak RSS) of one process in bytes; zeros if it is gone. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => {
      const match = status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
      return match ? Number(match[1]) * 1024 : 0;
    };
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/**
 * PSS and private memory of one process in bytes, from smaps_rollup; zeros if it is gone. RSS counts every
 * page of the executable the process touched, though those pages are shared by every process running it
 * (~40 MB of the node binary per Node.js proxy); PSS shares them out, and private memory is what this
 * process alone adds to the machine.
 */
function privateMemoryOf(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (key) => Number(rollup.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) * 1024;
    return { pss: kb('Pss'), private: kb('Private_Clean') + kb('Private_Dirty') };
  } catch {
    return { pss: 0, private: 0 };
  }
}

/** PSS and private memory of a process tree, bytes. */
export function treePrivateMemory(rootPid) {
  let pss = 0;
  let priv = 0;
  for (const pid of processTree(rootPid)) {
    const m = privateMemoryOf(pid);
    pss += m.pss;
    priv += m.private;
  }
  return { pss, private: priv };
}

/** CPU seconds used so far by a process and its descendants. */
export function treeCpuSeconds(rootPid) {
  return processTree(rootPid).reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
}

/** Current and peak RSS of a process tree, bytes (peaks are summed per process, an upper bound for trees). */
export function treeMemory(rootPid) {
  let rss = 0;
  let hwm = 0;
  for (const pid of processTree(rootPid)) {
    const mem = memoryOf(pid);
    rss += mem.rss;
    hwm += mem.hwm;
  }
  return { rss, hwm };
}

/**
 * Samples the summed VmRSS of each tree every intervalMs until stopped; `stop()` returns the peak per
 * root PID, in bytes. Sampling catches peaks of short-lived nginx workers that VmHWM sums would overstate.
 */
export function sampleRss(rootPids, intervalMs = 250) {
  const peak = new Map(rootPids.map((pid) => [pid, 0]));
  const take = () => {
    for (const pid of rootPids) peak.set(pid, Math.max(peak.get(pid), treeMemory(pid).rss));
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}
