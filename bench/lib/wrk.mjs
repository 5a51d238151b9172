// Closed-loop load with wrk (-t1 -c64 by default): runs it as a tracked child and parses its summary.
import { start } from './procs.mjs';

/** Parses wrk's text summary: requests, req/s, errors and (with --latency) latency percentiles in ms. */
export function parseWrk(text) {
  const number = (re) => {
    const match = re.exec(text);
    return match ? Number(match[1]) : 0;
  };
  const toMs = (value, unit) => Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];
  const latency = {};
  for (const match of text.matchAll(/^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$/gm)) {
    latency[`p${match[1]}`] = toMs(match[2], match[3]);
  }
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requests: number(/(\d+) requests in/),
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    latencyMs: latency,
  };
}

/** Runs wrk against 127.0.0.1:port for durationS seconds; resolves with parseWrk's result and the raw text. */
export async function runWrk(wrkBinary, port, { durationS, threads = 1, connections = 64 }) {
  const args = [
    `-t${threads}`,
    `-c${connections}`,
    `-d${durationS}s`,
    '--timeout',
    '5s',
    '--latency',
    `http://127.0.0.1:${port}/`,
  ];
  const proc = start('wrk', wrkBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  proc.child.stderr.on('data', (chunk) => {
    out += chunk;
  });
  const { code, error } = await proc.exit;
  if (error || code !== 0)
    throw new Error(`wrk failed (${error?.message ?? `exit ${code}`}): ${out.slice(-300)}`);
  return { ...parseWrk(out), raw: out };
}
