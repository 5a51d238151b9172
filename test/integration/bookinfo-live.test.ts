// BookInfo changed while it serves: `trellis apply` moves traffic within 2 s without failing a request, and
// killing a replica mid-traffic loses no request once retries and outlier detection are in place.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { descendants, type LocalMesh, startSampleMesh } from '../helpers/local-mesh.js';

let mesh: LocalMesh;
let page: string;

before(async () => {
  // Two replicas of details, so one can die while the other serves.
  mesh = await startSampleMesh('bookinfo', ['networking/bookinfo-gateway.yaml'], 180_000, (yaml) =>
    yaml.replace('    - name: details\n', '    - name: details\n      replicas: 2\n'),
  );
  page = `http://127.0.0.1:${mesh.gatewayPorts[0]}/productpage`;
});
after(async () => {
  await mesh?.stop();
});

interface Sample {
  startedAt: number;
  status: number;
  version: string;
  detailsOk: boolean;
  reviewsOk: boolean;
  error?: string;
}

/** One page load and what it showed. */
async function loadPage(): Promise<Sample> {
  const startedAt = Date.now();
  try {
    const res = await fetch(page, { signal: AbortSignal.timeout(15_000) });
    const html = await res.text();
    return {
      startedAt,
      status: res.status,
      version: /Reviews served by: <span id="served-by">reviews-(v\d)/.exec(html)?.[1] ?? 'none',
      detailsOk: !html.includes('product details are currently unavailable'),
      reviewsOk: !html.includes('product reviews are currently unavailable'),
    };
  } catch (err) {
    return { startedAt, status: 0, version: 'none', detailsOk: false, reviewsOk: false, error: String(err) };
  }
}

/** Loads the page from `loops` concurrent clients until stopped; every outcome is kept. */
function traffic(loops: number) {
  const samples: Sample[] = [];
  let running = true;
  const loop = async () => {
    while (running) samples.push(await loadPage());
  };
  const done = Promise.all(Array.from({ length: loops }, loop));
  return {
    samples,
    stop: async () => {
      running = false;
      await done;
      return samples;
    },
  };
}

const failed = (s: Sample) => s.status !== 200 || !s.detailsOk || !s.reviewsOk;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function apply(file: string): number {
  const r = mesh.trellis('apply', '-f', join(mesh.dir, 'networking', file));
  assert.equal(r.status, 0, `apply ${file}: ${r.stdout}${r.stderr}`);
  return Date.now();
}

test('apply during traffic: routing changes within 2 s and no request fails', async () => {
  // Warm every path first (apps may still be starting when the mesh reports up).
  for (let i = 0; i < 60 && failed(await loadPage()); i++) await sleep(250);
  const load = traffic(3);
  await sleep(1500);
  const appliedV1 = apply('virtual-service-all-v1.yaml');
  await sleep(3500);
  const appliedV3 = apply('virtual-service-reviews-v3.yaml');
  await sleep(3500);
  const samples = await load.stop();

  assert.deepEqual(samples.filter(failed), [], 'no request failed while routes changed');
  const lastOther = (from: number, to: number, version: string) =>
    Math.max(
      0,
      ...samples
        .filter((s) => s.startedAt >= from && s.startedAt < to && s.version !== version)
        .map((s) => s.startedAt - from),
    );
  const v1Lag = lastOther(appliedV1, appliedV3, 'v1');
  const v3Lag = lastOther(appliedV3, Number.POSITIVE_INFINITY, 'v3');
  assert.ok(v1Lag <= 2000, `all-v1 took ${v1Lag} ms to take effect`);
  assert.ok(v3Lag <= 2000, `v3-only took ${v3Lag} ms to take effect`);
  // Enough traffic that the checks mean something: before and after each change.
  assert.ok(samples.filter((s) => s.startedAt > appliedV3 + 2000).length >= 10, `${samples.length} samples`);
  assert.ok(
    samples.some((s) => s.startedAt < appliedV1 && s.version !== 'v1'),
    'traffic before the change',
  );
});

test('killing a details replica mid-traffic loses no request (retries + outlier detection)', async () => {
  const resilience = join(mesh.dir, 'networking', 'details-resilience.yaml');
  writeFileSync(
    resilience,
    `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: details }
spec:
  hosts: [details]
  http:
  - route: [{ destination: { host: details, subset: v1 } }]
    retries: { attempts: 3, perTryTimeout: 2s, retryOn: "connect-failure,refused-stream,reset,503" }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: details }
spec:
  host: details
  trafficPolicy:
    outlierDetection: { consecutive5xxErrors: 1, consecutiveGatewayErrors: 1, interval: 1s, baseEjectionTime: 30s }
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
`,
  );
  const r = mesh.trellis('apply', '-f', resilience);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  await sleep(1000);

  const detailsApps = descendants(mesh.process.pid!).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('apps/details.js');
    } catch {
      return false;
    }
  });
  assert.equal(detailsApps.length, 2, 'two details replicas run');

  const load = traffic(3);
  await sleep(1500);
  process.kill(detailsApps[0], 'SIGKILL');
  const killedAt = Date.now();
  await sleep(4000);
  const samples = await load.stop();
  const after = samples.filter((s) => s.startedAt >= killedAt);
  assert.ok(after.length >= 10, `traffic continued after the kill (${after.length} pages)`);
  assert.deepEqual(samples.filter(failed), [], 'no page lost its details while a replica died');
  assert.match(mesh.output(), /details-v1(-\d)?[^\n]* exited/, 'the supervisor saw the replica die');
});
