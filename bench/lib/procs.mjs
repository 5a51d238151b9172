// Child processes of the benchmark: free ports, spawning with a record of every PID, waiting for a port,
// and stopping each process tree by PID at the end, on Ctrl-C and on error (no orphans).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

/** Every process this harness started and has not yet seen exit, by PID. */
const running = new Map();

/** A free TCP port on 127.0.0.1, found by binding port 0 and closing again (small race, acceptable here). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a process and records its PID. Output goes to the given log file descriptors (or is ignored), so a
 * chatty child never blocks on a full pipe; `collectStdout` keeps stdout in memory instead (for wrk).
 */
export function start(name, command, args, { stdio = ['ignore', 'ignore', 'ignore'], env, cwd } = {}) {
  const child = spawn(command, args, { stdio, env: env ?? process.env, cwd });
  const entry = { name, child, exited: false, code: null, signal: null };
  if (child.pid !== undefined) running.set(child.pid, entry);
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      entry.exited = true;
      entry.code = code;
      entry.signal = signal;
      running.delete(child.pid);
      resolve({ code, signal });
    });
    child.on('error', (err) => {
      entry.exited = true;
      entry.error = err;
      running.delete(child.pid);
      resolve({ code: null, signal: null, error: err });
    });
  });
  entry.exit = exitPromise;
  return entry;
}

/** Resolves once 127.0.0.1:port accepts a TCP connection; rejects after timeoutMs or if the process exits. */
export async function waitForPort(port, { timeoutMs = 10_000, proc } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc?.exited) throw new Error(`${proc.name} exited (code ${proc.code}, signal ${proc.signal})`);
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for a just-started process to listen on `port`; stops it (and rethrows) if it never does. */
export async function untilListening(proc, port, timeoutMs = 10_000) {
  try {
    await waitForPort(port, { proc, timeoutMs });
  } catch (err) {
    await stop(proc, { graceMs: 1000 });
    throw err;
  }
  return proc;
}

/** The PID and all its descendants, found through /proc/<pid>/stat's parent field (Linux). */
export function processTree(rootPid) {
  const parentOf = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name, which is in parentheses and may contain spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(name), Number(rest[1]));
    } catch {
      // The process exited while we looked.
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

function signalTree(pids, signal) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Stops one started process and its descendants: `signal` first (SIGTERM lets nginx stop its workers and
 * Node write --cpu-prof profiles), SIGKILL for whatever is left after graceMs.
 */
export async function stop(entry, { signal = 'SIGTERM', graceMs = 3000 } = {}) {
  if (entry.exited) return;
  const pids = processTree(entry.child.pid);
  signalTree(pids, signal);
  const timedOut = await Promise.race([entry.exit.then(() => false), sleep(graceMs).then(() => true)]);
  // Descendants (nginx workers) are killed by PID too, in case their parent died without taking them along.
  signalTree(
    pids.filter((pid) => pid !== entry.child.pid || timedOut),
    'SIGKILL',
  );
  if (timedOut) await entry.exit;
}

/** Stops every process still running, in reverse start order. */
export async function stopAll(options) {
  const entries = [...running.values()].reverse();
  await Promise.all(entries.map((entry) => stop(entry, options)));
}

/** Last resort for process exit: synchronous SIGKILL by PID of everything still recorded. */
export function killAllSync() {
  for (const [pid] of running) {
    signalTree(processTree(pid), 'SIGKILL');
  }
  running.clear();
}

export function runningCount() {
  return running.size;
}
