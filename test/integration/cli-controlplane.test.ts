// Integration: the real control plane (file store, registry, ADS) with the API mounted, a real `trellis proxy`
// connected over ADS with its admin port announced in node metadata, and the real CLI: proxy-status shows it
// SYNCED, proxy-config reads the clusters the translator generated from its admin API, and a `trellis apply`
// reaches the proxy.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeResources } from '../../src/analyze/index.js';
import { createApiHandler } from '../../src/controlplane/api/index.js';
import { ControlPlane } from '../../src/controlplane/server.js';
import { proxyBootstrap } from '../../src/runtime/bootstrap.js';
import { freePort } from '../../src/runtime/ports.js';
import { trellisArgv } from '../helpers/trellis-bin.js';

const CONFIG = `apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec:
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1, namespace: default }
spec: { address: 127.0.0.2, labels: { app: reviews, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
`;

const REVIEWS_V1 = 'outbound|9080|v1|reviews.default.svc.cluster.local';

const V2_SUBSET = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
`;

function trellis(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...pre] = trellisArgv();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('CLI against a live control plane and a proxy connected over ADS', () => {
  let dir: string;
  let cp: ControlPlane;
  let url: string;
  let proxy: ChildProcess;
  let proxyOut = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-cli-cp-'));
    const configDir = join(dir, 'config');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'reviews.yaml'), CONFIG);
    cp = await ControlPlane.start({ configDir, xdsPort: 0, httpPort: 0 });
    cp.addHttpHandler(
      createApiHandler({
        store: cp.store,
        status: () => cp.ads.status(),
        proxies: () => cp.ads.connectedProxies(),
        analyze: () => analyzeResources(cp.store.all()),
        pushStats: () => cp.ads.stats,
        instance: 'cp-live',
      }),
    );
    url = `http://127.0.0.1:${cp.httpPort}`;

    const adminPort = await freePort();
    const bootstrap = proxyBootstrap({
      identity: {
        type: 'sidecar',
        name: 'productpage-v1',
        namespace: 'default',
        labels: { app: 'productpage', version: 'v1' },
        serviceAccount: 'bookinfo-productpage',
        domain: 'cluster.local',
      },
      adminPort,
      xds: { host: '127.0.0.1', port: cp.xdsPort },
      metadata: {
        TRELLIS_OUTBOUND_PORT: String(await freePort()),
        TRELLIS_INBOUND_PORT: String(await freePort()),
      },
    });
    const file = join(dir, 'bootstrap.json');
    writeFileSync(file, JSON.stringify(bootstrap));
    const [cmd, ...pre] = trellisArgv();
    proxy = spawn(cmd, [...pre, 'proxy', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.stdout!.on('data', (d) => {
      proxyOut += d;
    });
    proxy.stderr!.on('data', (d) => {
      proxyOut += d;
    });
    await until(
      'the proxy to ACK clusters and listeners',
      () => {
        if (proxy.exitCode !== null) throw new Error(`proxy exited:\n${proxyOut}`);
        const s = cp.ads.status()[0];
        return s?.types.CDS?.state === 'SYNCED' && s.types.LDS?.state === 'SYNCED';
      },
      30_000,
    );
  });

  after(async () => {
    if (proxy.exitCode === null) {
      proxy.kill('SIGTERM');
      await new Promise((r) => proxy.once('exit', r));
    }
    await cp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('proxy-status shows the proxy SYNCED; proxy-config shows the clusters it received', async () => {
    const [ps, compared, clusters, endpoints, routes, listeners, bootstrap] = await Promise.all([
      trellis(['proxy-status', '--controlplane', url]),
      trellis(['proxy-status', 'productpage-v1.default', '--controlplane', url]),
      trellis([
        'proxy-config',
        'cluster',
        'productpage-v1.default',
        '--fqdn',
        'reviews',
        '--controlplane',
        url,
      ]),
      trellis(['pc', 'endpoint', 'productpage-v1', '--cluster', REVIEWS_V1, '--controlplane', url]),
      trellis(['pc', 'route', 'productpage-v1', '--controlplane', url]),
      trellis(['pc', 'listener', 'productpage-v1', '--controlplane', url]),
      trellis(['pc', 'bootstrap', 'productpage-v1', '--controlplane', url]),
    ]);
    if (process.env.TRELLIS_TEST_VERBOSE) {
      for (const r of [ps, compared, clusters, endpoints, routes, listeners, bootstrap])
        process.stdout.write(`${r.stdout}\n`);
    }
    assert.equal(
      endpoints.stdout,
      `ENDPOINT       STATUS  OUTLIER CHECK CLUSTER\n127.0.0.2:9080 HEALTHY OK            ${REVIEWS_V1}\n`,
    );
    assert.match(
      routes.stdout,
      /^http_proxy +reviews\.default\.svc\.cluster\.local:9080 +.*reviews.* +\/\*/m,
    );
    assert.match(listeners.stdout, /^127\.0\.0\.1 +\d+ +ALL +Route: http_proxy$/m);
    assert.match(bootstrap.stdout, /^NODE ID: +sidecar~127\.0\.0\.1~productpage-v1\.default~/m);
    assert.equal(ps.code, 0, ps.stderr);
    // What the proxy serves is exactly what the control plane generated for it.
    assert.equal(compared.code, 0, compared.stdout + compared.stderr);
    assert.match(compared.stdout, /\nClusters Match\nListeners Match\nRoutes Match\n$/);
    assert.match(ps.stdout, /^productpage-v1\.default +SYNCED +SYNCED +\S+.* cp-live$/m);
    assert.equal(clusters.code, 0, `${clusters.stderr}\n${proxyOut}`);
    assert.match(clusters.stdout, /^reviews\.default\.svc\.cluster\.local +9080 +v1 +outbound +EDS/m);
    assert.doesNotMatch(clusters.stdout, / v2 /);
  });

  it('a resource applied with the CLI is persisted, pushed and shows up in the proxy', async () => {
    const file = join(dir, 'dr-v2.yaml');
    writeFileSync(file, V2_SUBSET);
    const applied = await trellis(['apply', '-f', file, '--controlplane', url]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout, 'destinationrule.networking.istio.io/reviews configured\n');
    await until('the v2 subset cluster to reach the proxy', () => {
      const s = cp.ads.status()[0];
      return (s?.types.CDS?.pushes ?? 0) > 1 && s.types.CDS.state === 'SYNCED';
    });
    const clusters = await trellis([
      'pc',
      'cluster',
      'productpage-v1',
      '--subset',
      'v2',
      '--controlplane',
      url,
    ]);
    assert.match(clusters.stdout, /^reviews\.default\.svc\.cluster\.local +9080 +v2 +outbound +EDS/m);
  });
});
