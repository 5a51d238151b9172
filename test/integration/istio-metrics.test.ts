// Istio's standard metrics across a real local mesh (`trellis up`: control plane, CA, two sidecars with their
// apps): requests sent through the client sidecar — a 200, a 503 with UH (a service with no instances), a
// 503 with UF (a ServiceEntry endpoint nobody listens on) and an injected abort (FI) — then both sidecars'
// /stats/prometheus scraped and parsed strictly: reporter=source on the client with the callee learnt from
// peer metadata, reporter=destination on the server with the caller's SPIFFE ID and mutual_tls.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ParsedSample, parseExposition } from '../../src/proxy/stats/exposition-check.js';
import { freePort, type LocalMesh, startMesh } from '../helpers/local-mesh.js';

let mesh: LocalMesh;

const FRONT_ID = 'spiffe://cluster.local/ns/default/sa/front';
const BACK_ID = 'spiffe://cluster.local/ns/default/sa/back';

/** argv running one of the test apps, compiled (dist/) or from source through tsx. */
function app(name: string): string[] {
  const compiled = import.meta.url.endsWith('.js');
  const file = fileURLToPath(new URL(`./mtls/${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return compiled
    ? [process.execPath, file]
    : [process.execPath, '--import', import.meta.resolve('tsx'), file];
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-istio-metrics-'));
  const deadPort = await freePort();
  writeFileSync(
    join(dir, 'routes.yaml'),
    `apiVersion: v1
kind: Service
metadata: { name: ghost, namespace: default }
spec: { selector: { app: ghost }, ports: [{ name: http, port: 8000 }] }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: dead, namespace: default }
spec:
  hosts: [dead.example]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{ number: 8000, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http: ${deadPort} } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: back, namespace: default }
spec:
  hosts: [back]
  http:
  - match: [{ headers: { x-fault: { exact: abort } } }]
    fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }
    route: [{ destination: { host: back } }]
  - route: [{ destination: { host: back } }]
`,
  );
  const meshFile = join(dir, 'mesh.yaml');
  writeFileSync(
    meshFile,
    `apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata: { name: metrics }
spec:
  config: [routes.yaml]
  services:
  - name: front
    ports: [{ name: http, port: 8000 }]
    command: ${JSON.stringify(app('echo-app'))}
    env: { SERVICE_NAME: front }
  - name: back
    ports: [{ name: http, port: 8000 }]
    command: ${JSON.stringify(app('echo-app'))}
    env: { SERVICE_NAME: back }
`,
  );
  mesh = await startMesh(dir, meshFile);
});
after(async () => {
  await mesh?.stop();
});

/** The admin port of the sidecar whose name starts with `workload`, from the control plane's syncz. */
async function adminPort(workload: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${mesh.httpPort}/debug/syncz`);
  const proxies = (await r.json()) as { name: string; admin?: { port: number } }[];
  const p = proxies.find((x) => x.name.startsWith(`${workload}`) && x.admin !== undefined);
  assert.ok(p?.admin, `no admin port for ${workload}: ${JSON.stringify(proxies)}`);
  return p.admin.port;
}

/** The sidecar's forward-proxy listener (what the app's HTTP_PROXY points at), from its admin /listeners. */
async function outboundPort(admin: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${admin}/listeners`)).text();
  const line = text.split('\n').find((l) => l.startsWith('http_proxy::'));
  assert.ok(line, text);
  return Number(line.slice(line.lastIndexOf(':') + 1));
}

/** GET an absolute URL through a sidecar's forward proxy, as the app would. */
function viaSidecar(port: number, url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: url,
        headers: { host: new URL(url).host, ...headers },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function scrape(admin: number): Promise<ParsedSample[]> {
  const text = await (await fetch(`http://127.0.0.1:${admin}/stats/prometheus`)).text();
  return parseExposition(text).samples.filter((s) => s.name.startsWith('istio_'));
}

function find(samples: ParsedSample[], name: string, labels: Record<string, string>): ParsedSample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

test('client reports source, server reports destination, with workloads, principals and mTLS', async () => {
  const frontAdmin = await adminPort('front');
  const backAdmin = await adminPort('back');
  const out = await outboundPort(frontAdmin);
  // The mesh is up once its sidecars are; the apps and the back's certificate may still be settling.
  let ok = 0;
  for (let i = 0; i < 80 && ok !== 200; i++) {
    ok = await viaSidecar(out, 'http://back:8000/echo');
    if (ok !== 200) await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(ok, 200);
  assert.equal(await viaSidecar(out, 'http://back:8000/echo'), 200);
  assert.equal(await viaSidecar(out, 'http://ghost:8000/'), 503);
  assert.equal(await viaSidecar(out, 'http://dead.example:8000/'), 503);
  assert.equal(await viaSidecar(out, 'http://back:8000/echo', { 'x-fault': 'abort' }), 418);

  const client = await scrape(frontAdmin);
  const ok200 = find(client, 'istio_requests_total', {
    reporter: 'source',
    response_code: '200',
    response_flags: '-',
    source_principal: FRONT_ID,
    destination_principal: BACK_ID,
    destination_service: 'back.default.svc.cluster.local',
    destination_service_name: 'back',
    destination_service_namespace: 'default',
    source_workload_namespace: 'default',
    destination_workload_namespace: 'default',
    source_app: 'front',
    destination_app: 'back',
    request_protocol: 'http',
    connection_security_policy: 'unknown',
    // A local mesh is one cluster, named as Istio names it by default; the peer's comes from metadata exchange.
    source_cluster: 'Kubernetes',
    destination_cluster: 'Kubernetes',
  });
  assert.equal(ok200.length, 1, JSON.stringify(client.filter((s) => s.name === 'istio_requests_total')));
  assert.ok(ok200[0].value >= 2);
  assert.match(ok200[0].labels.source_workload, /^front/);
  assert.match(ok200[0].labels.destination_workload, /^back/, 'the callee, learnt from peer metadata');
  const uh = find(client, 'istio_requests_total', { response_code: '503', response_flags: 'UH' });
  assert.equal(uh.length, 1);
  assert.equal(uh[0].labels.destination_service, 'ghost.default.svc.cluster.local');
  assert.equal(uh[0].labels.destination_workload, 'unknown');
  const uf = client.filter(
    (s) =>
      s.name === 'istio_requests_total' &&
      s.labels.response_code === '503' &&
      /UF/.test(s.labels.response_flags),
  );
  assert.equal(uf.length, 1, 'a connection failure to the ServiceEntry endpoint');
  assert.equal(uf[0].labels.destination_service, 'dead.example');
  const fi = find(client, 'istio_requests_total', { response_code: '418', response_flags: 'FI' });
  assert.equal(fi.length, 1, 'the client sidecar injected the abort');
  const duration = find(client, 'istio_request_duration_milliseconds_count', { response_code: '200' });
  assert.ok(duration[0]?.value >= 2);
  assert.ok(find(client, 'istio_response_bytes_sum', { response_code: '200' })[0]?.value > 0);

  const server = await scrape(backAdmin);
  const in200 = find(server, 'istio_requests_total', {
    reporter: 'destination',
    response_code: '200',
    source_principal: FRONT_ID,
    destination_principal: BACK_ID,
    source_app: 'front',
    destination_app: 'back',
    destination_service: 'back.default.svc.cluster.local',
    destination_service_name: 'back',
    destination_service_namespace: 'default',
    connection_security_policy: 'mutual_tls',
    source_cluster: 'Kubernetes',
    destination_cluster: 'Kubernetes',
  });
  assert.equal(in200.length, 1, JSON.stringify(server.filter((s) => s.name === 'istio_requests_total')));
  assert.ok(in200[0].value >= 2);
  assert.match(in200[0].labels.source_workload, /^front/, 'the caller, learnt from peer metadata');
  assert.match(in200[0].labels.destination_workload, /^back/);
  assert.equal(
    find(server, 'istio_requests_total', { response_flags: 'FI' }).length,
    0,
    'the abort never reached the server',
  );
});
