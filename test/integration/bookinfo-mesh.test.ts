// BookInfo through the whole mesh, as a newcomer runs it: `trellis up` (control plane, six workloads with
// sidecars, ingress gateway), then the Istio YAML applied live with `trellis apply`, driven through the gateway.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { descendants, isRunning, type LocalMesh, startSampleMesh } from '../helpers/local-mesh.js';

let mesh: LocalMesh;
let page: string;

before(async () => {
  mesh = await startSampleMesh('bookinfo', ['networking/bookinfo-gateway.yaml']);
  page = `http://127.0.0.1:${mesh.gatewayPorts[0]}/productpage`;
});
after(async () => {
  await mesh?.stop();
});

/** Which reviews version served one page load, and how many stars of which colour it shows. */
async function load(
  headers: Record<string, string> = {},
): Promise<{ version: string; red: number; black: number }> {
  const res = await fetch(page, { headers, signal: AbortSignal.timeout(20_000) });
  const html = await res.text();
  assert.equal(res.status, 200, html.slice(0, 300));
  const version = /Reviews served by: <span id="served-by">reviews-(v\d)/.exec(html)?.[1] ?? 'none';
  return {
    version,
    red: (html.match(/class="stars stars-red"/g) ?? []).length,
    black: (html.match(/class="stars stars-black"/g) ?? []).length,
  };
}

async function tally(n: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await load(headers);
    counts[r.version] = (counts[r.version] ?? 0) + 1;
  }
  return counts;
}

function apply(file: string): void {
  const r = mesh.trellis('apply', '-f', join(mesh.dir, 'networking', file));
  assert.equal(r.status, 0, `apply ${file}: ${r.stdout}${r.stderr}`);
}

/** Polls until `check` passes on fresh page loads (config reaches every proxy asynchronously). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('default routing: the page shows reviews from v1, v2 and v3 in turn, each with its stars', async () => {
  // The mesh reports "up" when every sidecar is ready; an app may still be starting, so look until each
  // version has shown a complete page (bounded by the count).
  const seen = new Map<string, { red: number; black: number }>();
  const complete = () =>
    seen.get('v1') !== undefined && seen.get('v2')?.black === 2 && seen.get('v3')?.red === 2;
  for (let i = 0; i < 150 && !complete(); i++) {
    const r = await load();
    if (r.version !== 'none' && (r.red > 0 || r.black > 0 || !seen.has(r.version))) seen.set(r.version, r);
  }
  assert.deepEqual([...seen.keys()].sort(), ['v1', 'v2', 'v3']);
  assert.deepEqual(seen.get('v1'), { version: 'v1', red: 0, black: 0 });
  assert.deepEqual(seen.get('v2'), { version: 'v2', red: 0, black: 2 });
  assert.deepEqual(seen.get('v3'), { version: 'v3', red: 2, black: 0 });
});

test('all traffic to v1: no stars in 100 requests', async () => {
  apply('virtual-service-all-v1.yaml');
  await eventually(async () => (await load()).version === 'v1' && (await load()).version === 'v1');
  const counts = await tally(100);
  assert.deepEqual(counts, { v1: 100 });
});

test('50/50 between v1 and v3 over 400 requests, within ±10 points', async () => {
  apply('virtual-service-reviews-50-v3.yaml');
  await eventually(async () => (await load()).version === 'v3');
  const counts = await tally(400);
  assert.equal((counts.v1 ?? 0) + (counts.v3 ?? 0), 400, JSON.stringify(counts));
  const share = (counts.v3 ?? 0) / 400;
  assert.ok(share > 0.4 && share < 0.6, `v3 share ${share}`);
});

test('jason (end-user header from the sign-in cookie) sees v2 only; others see v1', async () => {
  apply('virtual-service-reviews-test-v2.yaml');
  await eventually(async () => (await load({ cookie: 'user=jason' })).version === 'v2');
  assert.deepEqual(await tally(20, { cookie: 'user=jason' }), { v2: 20 });
  assert.deepEqual(await tally(20), { v1: 20 });
});

test('a 7 s delay on ratings for jason: productpage gives up on reviews (3 s timeout, one retry)', async () => {
  apply('virtual-service-ratings-test-delay.yaml');
  await new Promise((r) => setTimeout(r, 1500));
  const started = Date.now();
  const res = await fetch(page, { headers: { cookie: 'user=jason' }, signal: AbortSignal.timeout(30_000) });
  const html = await res.text();
  const took = Date.now() - started;
  assert.equal(res.status, 200);
  assert.match(html, /Sorry, product reviews are currently unavailable for this book\./);
  assert.ok(took >= 5500, `the page waited ${took} ms; two 3 s attempts expected`);
  // Everyone else is not delayed and sees v1.
  assert.equal((await load()).version, 'v1');
});

test('an HTTP 500 abort on ratings for jason: the page says ratings are unavailable', async () => {
  apply('virtual-service-ratings-test-abort.yaml');
  await eventually(async () => {
    const html = await (await fetch(page, { headers: { cookie: 'user=jason' } })).text();
    return html.includes('Ratings service is currently unavailable');
  });
  const html = await (await fetch(page, { headers: { cookie: 'user=jason' } })).text();
  assert.equal((html.match(/Ratings service is currently unavailable/g) ?? []).length, 2);
  assert.match(html, /reviews-v2/);
});

test('mirroring: users get reviews v1 while v2 receives a copy of each request', async () => {
  const inboundRequests = async (name: string): Promise<number> => {
    const sync = (await (await fetch(`http://127.0.0.1:${mesh.httpPort}/debug/syncz`)).json()) as {
      name?: string;
      proxyId?: string;
      admin?: { port: number };
    }[];
    const proxy = sync.find((p) => p.name === name || p.proxyId?.includes(`~${name}.`));
    assert.ok(proxy?.admin, `no admin port for ${name} in syncz: ${JSON.stringify(sync).slice(0, 300)}`);
    const stats = await (
      await fetch(`http://127.0.0.1:${proxy.admin.port}/stats?filter=downstream_rq_total`)
    ).text();
    return stats
      .split('\n')
      .filter((l) => /inbound/i.test(l) && /downstream_rq_total/.test(l))
      .reduce((sum, l) => sum + Number(l.split(': ')[1] ?? 0), 0);
  };
  apply('virtual-service-all-v1.yaml');
  apply('virtual-service-reviews-mirror-v2.yaml');
  await new Promise((r) => setTimeout(r, 1500));
  const before = await inboundRequests('reviews-v2');
  const counts = await tally(20);
  assert.deepEqual(counts, { v1: 20 });
  await eventually(async () => (await inboundRequests('reviews-v2')) - before >= 20);
});

test('stopping the mesh leaves no process behind', async () => {
  const pids = descendants(mesh.process.pid!);
  assert.ok(pids.length >= 13, `expected control plane, gateway and 6 × (sidecar + app), got ${pids.length}`);
  await mesh.stop();
  // `up` exits once it has stopped everything; a process may still be finishing its exit for a moment on a
  // loaded machine, so give stragglers a few seconds before calling them left behind.
  const until = Date.now() + 5000;
  while (pids.some(isRunning) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(pids.filter(isRunning), []);
});
