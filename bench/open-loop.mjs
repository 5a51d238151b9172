// Open-loop HTTP/1.1 latency generator: requests at a fixed rate over a pool of keep-alive `net` sockets,
// latency measured from each request's intended send time, so a slow response delays no later measurement
// (coordinated omission corrected). Prints one JSON object. Run with --help for flags.
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { ResponseParser } from './lib/response-parser.mjs';

const usage = `usage: node bench/open-loop.mjs --target 127.0.0.1:PORT [--rate 1000] [--duration 10]
                                  [--warmup 1] [--connections 32] [--path /]
Sends --rate req/s for --warmup + --duration seconds; only the last --duration seconds are measured.
Prints JSON: p50/p90/p99/p999/max latency in ms from the intended send time, counts, errors and the
generator's own timer lateness (how late each request was dispatched), which bounds its accuracy.`;

/** Milliseconds on a clock shared by the main thread and the timer worker (performance.now() is not). */
const clock = () => performance.timeOrigin + performance.now();

/**
 * The timer thread: Atomics.wait sleeps with sub-millisecond precision where setTimeout has ~1 ms, and a
 * message wakes the main thread's event loop within tens of microseconds.
 */
const timerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const cell = new Int32Array(new SharedArrayBuffer(4));
const { start, intervalMs, count } = workerData;
const clock = () => performance.timeOrigin + performance.now();
for (let i = 0; i < count; i++) {
  const wait = start + i * intervalMs - clock();
  if (wait > 0) Atomics.wait(cell, 0, 0, wait);
  parentPort.postMessage(i);
}
`;

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Runs one open-loop measurement; resolves with the summary that the CLI prints as JSON. */
export async function runOpenLoop({ host, port, rate, durationS, warmupS, connections, path }) {
  const intervalMs = 1000 / rate;
  const total = Math.round((warmupS + durationS) * rate);
  const measuredFrom = Math.round(warmupS * rate);
  const request = Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: trellis-bench-open-loop\r\n\r\n`,
  );
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  let recorded = 0;
  let completed = 0;
  let errors = 0;
  let non2xx = 0;
  let reconnects = 0;
  let maxBacklog = 0;
  const backlog = []; // Indexes of requests due while every connection was busy, oldest first.
  const idle = [];
  const start = clock() + 50;
  const intended = (i) => start + i * intervalMs;

  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  let settled = 0; // Requests answered or failed.
  const settle = () => {
    settled++;
    if (settled === total) finish();
  };

  function send(conn, i) {
    conn.index = i;
    conn.socket.write(request);
  }

  function dispatch(i) {
    // Lateness of the generator's own timer, before any wait for a free connection (that wait is the
    // system under test's doing and is part of the measured latency).
    lags[i] = clock() - intended(i);
    const conn = idle.pop();
    if (conn) send(conn, i);
    else {
      backlog.push(i);
      if (backlog.length > maxBacklog) maxBacklog = backlog.length;
    }
  }

  function release(conn) {
    conn.index = -1;
    const next = backlog.shift();
    if (next !== undefined) send(conn, next);
    else idle.push(conn);
  }

  function connect() {
    const conn = { socket: net.connect(port, host), index: -1, parser: new ResponseParser(), open: false };
    conn.socket.setNoDelay(true);
    conn.socket.on('connect', () => {
      conn.open = true;
      release(conn);
    });
    conn.socket.on('data', (chunk) => {
      let done;
      try {
        done = conn.parser.push(chunk);
      } catch {
        conn.socket.destroy();
        return;
      }
      for (const response of done) {
        const i = conn.index;
        if (i < 0) continue;
        if (response.status < 200 || response.status > 299) non2xx++;
        else {
          completed++;
          if (i >= measuredFrom) latencies[recorded++] = clock() - intended(i);
        }
        settle();
        if (response.close) {
          conn.index = -1;
          conn.socket.destroy();
          return;
        }
        release(conn);
      }
    });
    conn.socket.on('error', () => {});
    conn.socket.on('close', () => {
      const idleAt = idle.indexOf(conn);
      if (idleAt >= 0) idle.splice(idleAt, 1);
      if (conn.index >= 0) {
        errors++;
        settle();
      }
      if (settled < total && !stopping) {
        reconnects++;
        // A refused connection is retried no faster than every 10 ms.
        setTimeout(connect, conn.open ? 0 : 10);
      }
    });
  }

  let stopping = false;
  for (let c = 0; c < connections; c++) connect();
  const worker = new Worker(timerSource, { eval: true, workerData: { start, intervalMs, count: total } });
  worker.on('message', (i) => dispatch(i));

  const lastDue = intended(total - 1);
  const timeout = new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, lastDue - clock()) + 5000).unref(),
  );
  await Promise.race([finished, timeout]);
  stopping = true;
  await worker.terminate();
  const unanswered = total - settled;

  const sorted = latencies.slice(0, recorded).sort();
  const lagSorted = lags.slice(measuredFrom).sort();
  const round3 = (x) => Math.round(x * 1000) / 1000;
  return {
    target: `${host}:${port}`,
    rate,
    durationS,
    warmupS,
    connections,
    sent: total,
    measured: recorded,
    completed,
    non2xx,
    errors: errors + unanswered,
    reconnects,
    maxBacklog,
    latencyMs: {
      p50: round3(percentile(sorted, 50)),
      p90: round3(percentile(sorted, 90)),
      p99: round3(percentile(sorted, 99)),
      p999: round3(percentile(sorted, 99.9)),
      max: round3(sorted.length ? sorted[sorted.length - 1] : Number.NaN),
      mean: round3(sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1)),
    },
    schedulingLagMs: { p50: round3(percentile(lagSorted, 50)), p99: round3(percentile(lagSorted, 99)) },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '1' },
      connections: { type: 'string', default: '32' },
      path: { type: 'string', default: '/' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.target) {
    process.stdout.write(`${usage}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const [host, portText] = values.target.split(':');
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error('--target must be on 127.0.0.1');
  for (const sock of [process.stdout, process.stderr]) sock.on('error', () => {});
  const summary = await runOpenLoop({
    host,
    port: Number(portText),
    rate: Number(values.rate),
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    connections: Number(values.connections),
    path: values.path,
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(0);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
