// Control-plane benchmark: (1) translation time of one sidecar's full config for N services, for the first
// proxy of a new snapshot (cold) and for another proxy on the same snapshot (warm); (2) convergence: a real
// `trellis controlplane` process with M connected ADS streams, a change applied through its API, and the time
// until every affected stream has ACKed the push (Istio's pilot_proxy_convergence_time, seen from the proxies).
// Usage: npm run build && node bench/controlplane.mjs [--proxies 200] [--services 100] [--changes 10]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectStreams } from './lib/cp-streams.mjs';
import { translationTimes } from './lib/cp-translate.mjs';
import { freePort, start, stop, untilListening } from './lib/procs.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = (p) => import(path.join(root, 'dist', p));

const { values } = parseArgs({
  options: {
    proxies: { type: 'string', default: '200' },
    services: { type: 'string', default: '100' },
    changes: { type: 'string', default: '10' },
  },
});
const proxies = Number(values.proxies);
const services = Number(values.services);
const changes = Number(values.changes);

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function post(port, pathName, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathName, method: 'POST' }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode} ${text}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The VirtualService of svc-0 with v1/v2 weights; each change flips them. */
const weightedVs = (v1) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: svc-0, namespace: ns-0 }
spec:
  hosts: [svc-0]
  http:
  - route:
    - { destination: { host: svc-0, subset: v1 }, weight: ${v1} }
    - { destination: { host: svc-0, subset: v2 }, weight: ${100 - v1} }
`;

const { generatedMesh } = await dist('test/simulation/scale.js');
const translation = await translationTimes(dist, generatedMesh(services));
const ms = (x) => x.toFixed(1);
console.log(
  `translation, ${services} services, one sidecar's full config: cold (new snapshot) median ${ms(translation.coldMedian)} ms, P90 ${ms(translation.coldP90)} ms; cold with the registry's objects rebuilt median ${ms(translation.rebuiltMedian)} ms, P90 ${ms(translation.rebuiltP90)} ms; warm (same snapshot) median ${ms(translation.warmMedian)} ms, P90 ${ms(translation.warmP90)} ms, best ${ms(translation.warmBest)} ms`,
);

const dir = mkdtempSync(path.join(tmpdir(), 'trellis-cp-bench-'));
writeFileSync(path.join(dir, 'mesh.yaml'), generatedMesh(services));
const [xdsPort, httpPort] = [await freePort(), await freePort()];
const cp = start(
  'trellis controlplane',
  process.execPath,
  [
    ...(process.env.BENCH_CP_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    path.join(root, 'bin', 'trellis.js'),
    'controlplane',
    '--config-dir',
    dir,
    '--xds-port',
    String(xdsPort),
    '--http-port',
    String(httpPort),
    '--no-ca',
    '--state-dir',
    dir,
  ],
  { stdio: ['ignore', process.env.BENCH_CP_LOG ? 'inherit' : 'ignore', 'inherit'] },
);
try {
  await untilListening(cp, xdsPort, 20_000);
  const started = performance.now();
  const streams = await connectStreams(dist, `127.0.0.1:${xdsPort}`, proxies);
  console.log(
    `${proxies} ADS streams connected and synced in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  await sleep(Number(process.env.BENCH_SETTLE_MS ?? 1000));
  const samples = [];
  const slowest = [];
  /** How long the API took to accept each change (validate, write, reload), ms. */
  const applyMs = [];
  let missed = 0;
  for (let i = 0; i < changes; i++) {
    const t0 = performance.now();
    for (const s of streams) s.markChange();
    await post(httpPort, '/apis/apply?file=bench.yaml', weightedVs(i % 2 === 0 ? 80 : 90));
    applyMs.push(Math.round(performance.now() - t0));
    const deadline = t0 + 10_000;
    while (streams.some((s) => s.ackedAt === undefined) && performance.now() < deadline) await sleep(10);
    if (i === 0) console.log(`bytes pushed to one proxy by a change: ${JSON.stringify(streams[0].pushed)}`);
    let slowestHere = 0;
    for (const s of streams) {
      if (s.ackedAt === undefined) missed++;
      else {
        samples.push(s.ackedAt - t0);
        slowestHere = Math.max(slowestHere, s.ackedAt - t0);
      }
    }
    slowest.push(Math.round(slowestHere));
    await sleep(300);
  }
  console.log(
    `apply accepted after, ms: ${applyMs.join(' ')}; slowest proxy per change, ms: ${slowest.join(' ')}`,
  );
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  console.log(
    `convergence over ${changes} changes × ${proxies} proxies: P50 ${p50.toFixed(0)} ms, P99 ${p99.toFixed(0)} ms, max ${Math.max(...samples).toFixed(0)} ms; ${missed} not ACKed within 10 s`,
  );
  const result = (ok) => (ok ? 'PASS' : 'FAIL');
  console.log(
    `target: P99 convergence ≤ 1000 ms with ${proxies} proxies, ${services} services: ${result(p99 <= 1000 && missed === 0)}`,
  );
  console.log(
    `target: translation (warm) < 20 ms for ${services} services: ${result(translation.warmMedian < 20)}`,
  );
  console.log(
    `target: translation (cold, new snapshot) < 20 ms for ${services} services: ${result(translation.coldMedian < 20 && translation.rebuiltMedian < 20)}`,
  );
  for (const s of streams) s.close();
} finally {
  await stop(cp, { graceMs: 15_000 });
  if (process.env.BENCH_CP_NODE_FLAGS) console.log(`control plane exit: ${cp.code} ${cp.signal}`);
  rmSync(dir, { recursive: true, force: true });
}
