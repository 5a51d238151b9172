// The article's payment example end to end (`trellis up -f samples/payment/mesh.yaml`, the article's YAML
// unchanged, mTLS between the sidecars from payment-dr's ISTIO_MUTUAL): x-canary to v2, the 90/10 split,
// x-fault-inject's delays and aborts, the default route, and mirroring to the canary with its answers dropped.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, type LocalMesh, startSampleMesh } from '../helpers/local-mesh.js';

let mesh: LocalMesh;
let gateway: string;

before(async () => {
  mesh = await startSampleMesh('payment', ['networking/payment-gateway.yaml']);
  gateway = `http://127.0.0.1:${mesh.gatewayPorts[0]}`;
});
after(async () => {
  await mesh?.stop();
});

interface Answer {
  status: number;
  version?: string;
  service?: string;
  served?: number;
  ms: number;
  downstream?: Record<string, { version?: string; service?: string }>;
}

/** POSTs through a gateway with the given Host (fetch cannot set Host, so node:http). */
function call(
  path: string,
  headers: Record<string, string> = {},
  host = 'api.astratech.ae',
  base = gateway,
): Promise<Answer> {
  const started = Date.now();
  const url = new URL(path, base);
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { host, 'content-type': 'application/json', ...headers },
        timeout: 20_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          const ms = Date.now() - started;
          if (res.statusCode !== 200) return resolve({ status: res.statusCode ?? 0, ms });
          resolve({ status: 200, ms, ...(JSON.parse(text) as Omit<Answer, 'status' | 'ms'>) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve({ status: 0, ms: Date.now() - started }));
    req.end('{}');
  });
}

/** Waits until the path answers 200 (apps may still be starting when the mesh reports up). */
async function warm(path: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if ((await call(path, headers)).status === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${path} never answered 200`);
}

test('rule 1: x-canary: true on /api/v2/payment goes to v2 (canary), over mTLS', async () => {
  await warm('/api/v2/payment/charge', { 'x-canary': 'true' });
  for (let i = 0; i < 30; i++) {
    const a = await call('/api/v2/payment/charge', { 'x-canary': 'true' });
    assert.equal(a.status, 200);
    assert.equal(a.version, 'v2');
    // payment calls risk and notify through its sidecar: both answered.
    assert.equal(a.downstream?.['risk-svc']?.service, 'risk');
    assert.equal(a.downstream?.['notify-svc']?.service, 'notify');
  }
});

test('rule 2: /api/v2/payment splits 90/10 between stable and canary (400 requests, ±5 points)', async () => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < 400; i++) {
    const a = await call('/api/v2/payment/charge');
    assert.equal(a.status, 200);
    counts[a.version ?? '?'] = (counts[a.version ?? '?'] ?? 0) + 1;
  }
  // Binomial σ at n=400, p=0.1 is 1.5 points: ±5 points is > 3σ.
  const canary = (counts.v2 ?? 0) / 400;
  assert.ok(Math.abs(canary - 0.1) <= 0.05, `canary share ${canary} (${JSON.stringify(counts)})`);
  assert.equal((counts.v1 ?? 0) + (counts.v2 ?? 0), 400);
});

test('rule 3: x-fault-inject delays about half the requests by 5 s and aborts about 10 % with 500', async () => {
  const n = 80;
  const answers = await Promise.all(
    Array.from({ length: n }, () => call('/api/v2/refund/1', { 'x-fault-inject': 'true' })),
  );
  const aborted = answers.filter((a) => a.status === 500).length;
  const delayed = answers.filter((a) => a.ms >= 4900).length;
  const ok = answers.filter((a) => a.status === 200);
  // Expected 8 aborts (σ 2.7) and 40 delays (σ 4.5): bounds at about 2.5σ.
  assert.ok(aborted >= 2 && aborted <= 16, `${aborted} of ${n} aborted`);
  assert.ok(delayed >= 28 && delayed <= 52, `${delayed} of ${n} delayed`);
  assert.ok(
    ok.every((a) => a.version === 'v1'),
    'the rule routes to stable',
  );
  assert.equal(ok.length + aborted, n, 'every request either answered or was aborted with 500');
});

test('rule 4: anything else goes to stable (v1)', async () => {
  for (let i = 0; i < 20; i++) {
    const a = await call('/api/v1/status');
    assert.equal(a.status, 200);
    assert.equal(a.version, 'v1');
  }
});

test('payment-mirror: all mesh traffic to v1, a copy of each to v2, whose answers are dropped', async () => {
  // order-svc calls payment-svc inside the mesh; reach order through its own gateway server.
  const orderPort = await freePort();
  const orderRoute = join(mesh.dir, 'order-ingress.yaml');
  writeFileSync(
    orderRoute,
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: order-gateway, namespace: production }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: ${orderPort}, name: http-order, protocol: HTTP }, hosts: ["order.local"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: order-ingress, namespace: production }
spec:
  hosts: ["order.local"]
  gateways: [order-gateway]
  http: [{ route: [{ destination: { host: order-svc, port: { number: 80 } } }] }]
`,
  );
  const apply = (...args: string[]) => {
    const r = mesh.trellis(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  };
  apply('apply', '-f', orderRoute);
  const orders = `http://127.0.0.1:${orderPort}`;
  const order = () => call('/order', {}, 'order.local', orders);
  for (let i = 0; i < 80 && (await order()).status !== 200; i++) await new Promise((r) => setTimeout(r, 250));

  const v2Served = async () => (await call('/api/v2/payment/charge', { 'x-canary': 'true' })).served ?? 0;
  const before = await v2Served();
  apply('delete', 'virtualservice', 'payment-vs', '-n', 'production');
  apply('apply', '-n', 'production', '-f', join(mesh.dir, 'alternatives', 'payment-mirror.yaml'));
  await new Promise((r) => setTimeout(r, 1500));
  const n = 20;
  for (let i = 0; i < n; i++) {
    const a = await order();
    assert.equal(a.status, 200);
    assert.equal(a.downstream?.['payment-svc']?.version, 'v1', 'users are answered by v1 only');
  }
  apply('delete', 'virtualservice', 'payment-mirror', '-n', 'production');
  apply('apply', '-f', join(mesh.dir, 'networking', 'payment-vs.yaml'));
  let after = 0;
  for (let i = 0; i < 40; i++) {
    const a = await call('/api/v2/payment/charge', { 'x-canary': 'true' });
    if (a.status === 200 && a.version === 'v2') {
      after = a.served ?? 0;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // v2 served every mirrored copy (plus the two x-canary reads around them).
  assert.ok(after >= before + n + 1, `v2 served ${before} before and ${after} after ${n} mirrored calls`);
});
