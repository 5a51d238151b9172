// The benchmark's native open-loop generator (bench/native/open-loop.c), built with cc and run as a real
// process against a loopback HTTP server: request pacing, counts, response framing and latencies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../helpers/trellis-bin.js';

interface NativeBuild {
  binary?: string;
  error?: string;
  noCompiler?: boolean;
}

interface OpenLoopSummary {
  sent: number;
  measured: number;
  completed: number;
  non2xx: number;
  errors: number;
  reconnects: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  schedulingLagMs: { p50: number; p99: number };
}

async function buildGenerator(): Promise<NativeBuild> {
  const helper = path.join(projectRoot(), 'bench', 'lib', 'native-open-loop.mjs');
  const mod = (await import(pathToFileURL(helper).href)) as { buildNativeOpenLoop: () => NativeBuild };
  return mod.buildNativeOpenLoop();
}

function runGenerator(binary: string, args: string[]): Promise<OpenLoopSummary> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}: ${stderr}`));
      else resolve(JSON.parse(stdout) as OpenLoopSummary);
    });
  });
}

test('the native open-loop generator paces 200 req/s for 1 s and counts every kind of response', async (t) => {
  const built = await buildGenerator();
  if (built.noCompiler) {
    t.skip(`needs a C compiler: ${built.error}`);
    return;
  }
  assert.ok(built.binary, `the generator did not build: ${built.error}`);

  // Every 4th response is chunked, every 10th is a 503, every 25th asks to close the connection.
  const arrivals: number[] = [];
  let closes = 0;
  const server = http.createServer((_req, res) => {
    const n = arrivals.push(performance.now());
    if (n % 10 === 0) res.statusCode = 503;
    if (n % 25 === 0) {
      closes++;
      res.setHeader('Connection', 'close');
    }
    if (n % 4 === 0) {
      res.write('x'.repeat(300));
      res.end('y'.repeat(700));
    } else {
      res.setHeader('Content-Length', 1000);
      res.end('z'.repeat(1000));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.keepAliveTimeout = 10_000;
  const { port } = server.address() as AddressInfo;

  const summary = await runGenerator(built.binary, [
    '--target',
    `127.0.0.1:${port}`,
    '--rate',
    '200',
    '--duration',
    '1',
    '--warmup',
    '0',
    '--connections',
    '8',
  ]);

  assert.equal(summary.sent, 200);
  assert.equal(arrivals.length, 200, 'the server saw every request exactly once');
  assert.equal(summary.non2xx, 20);
  assert.equal(summary.completed, 180);
  assert.equal(summary.measured, 180, 'with no warm-up every 2xx response is measured');
  assert.equal(summary.errors, 0);
  // A close before the last response makes one reconnect; after the last there is nothing left to send.
  assert.ok(
    summary.reconnects >= closes - 1 && summary.reconnects <= closes,
    `reconnects ${summary.reconnects}`,
  );

  // Open loop: the requests are spread over the second at the fixed rate, not sent as fast as possible.
  const spanMs = arrivals[arrivals.length - 1] - arrivals[0];
  assert.ok(spanMs > 900 && spanMs < 1300, `200 requests at 200 req/s arrived over ${spanMs.toFixed(0)} ms`);

  const { latencyMs, schedulingLagMs } = summary;
  assert.ok(latencyMs.p50 > 0 && latencyMs.p50 < 50, `p50 ${latencyMs.p50} ms`);
  assert.ok(latencyMs.p50 <= latencyMs.p90 && latencyMs.p90 <= latencyMs.p99, 'percentiles are ordered');
  assert.ok(latencyMs.p99 <= latencyMs.max && latencyMs.max < 1000, `max ${latencyMs.max} ms`);
  assert.ok(schedulingLagMs.p50 >= 0 && schedulingLagMs.p50 < 20, `lateness p50 ${schedulingLagMs.p50} ms`);
});

// Each framing the reader must get right, sent in 3-byte pieces a tick apart so every state is split.
const framings = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n',
  'HTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nnah',
  'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n',
  'HTTP/1.1 200 OK\r\n\r\na body that ends with the connection',
];

test('the native open-loop generator frames split responses: chunked, trailers, 1xx, 204, HTTP/1.0, close', async (t) => {
  const built = await buildGenerator();
  if (built.noCompiler) {
    t.skip(`needs a C compiler: ${built.error}`);
    return;
  }
  assert.ok(built.binary, `the generator did not build: ${built.error}`);
  let served = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    let pending = '';
    let writing = Promise.resolve();
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        const which = served++ % framings.length;
        writing = writing.then(async () => {
          const text = framings[which];
          for (let i = 0; i < text.length; i += 3) {
            socket.write(text.slice(i, i + 3));
            await new Promise((resolve) => setImmediate(resolve));
          }
          if (which === framings.length - 1) socket.end();
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;

  // 140 req/s for 0.5 s over one connection: 70 requests, ten rounds of the seven framings.
  const summary = await runGenerator(built.binary, [
    '--target',
    `127.0.0.1:${port}`,
    '--rate',
    '140',
    '--duration',
    '0.5',
    '--warmup',
    '0',
    '--connections',
    '1',
  ]);
  assert.equal(served, 70);
  assert.equal(summary.non2xx, 10, 'only the 404s; a 100 Continue is not a response of its own');
  assert.equal(summary.completed, 60);
  assert.equal(summary.errors, 0);
  // Every seventh response ends with the connection; the last one leaves nothing to reconnect for.
  assert.equal(summary.reconnects, 9);
});
