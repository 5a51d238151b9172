// Mutual TLS across a whole local mesh (`trellis up`, the control plane's CA): sidecars talk mTLS and the
// called app sees its caller's SPIFFE ID; PERMISSIVE (the default) takes plain text and passes TLS that is
// not Istio's through to an app that terminates it itself; STRICT refuses plain text and TLS without a
// client certificate (openssl s_client), while sidecar-to-sidecar traffic carries on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { selfSignedCert } from '../helpers/certs.js';
import { freePort, type LocalMesh, startMesh } from '../helpers/local-mesh.js';

let mesh: LocalMesh;
let dir: string;
let gatewayPort: number;

/** argv running one of the test apps, compiled (dist/) or from source through tsx. */
function app(name: string): string[] {
  const compiled = import.meta.url.endsWith('.js');
  const file = fileURLToPath(new URL(`./mtls/${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return compiled
    ? [process.execPath, file]
    : [process.execPath, '--import', import.meta.resolve('tsx'), file];
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-mesh-mtls-'));
  const appCert = selfSignedCert('secure-app');
  writeFileSync(join(dir, 'app.pem'), appCert.cert);
  writeFileSync(join(dir, 'app.key'), appCert.key);
  gatewayPort = await freePort();
  writeFileSync(
    join(dir, 'ingress.yaml'),
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: ingress, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers: [{ port: { number: ${gatewayPort}, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: front, namespace: default }
spec:
  hosts: ["*"]
  gateways: [ingress]
  http: [{ route: [{ destination: { host: front, port: { number: 8000 } } }] }]
`,
  );
  const meshFile = join(dir, 'mesh.yaml');
  writeFileSync(
    meshFile,
    `apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata: { name: mtls }
spec:
  config: [ingress.yaml]
  services:
  - name: front
    ports: [{ name: http, port: 8000 }]
    command: ${JSON.stringify(app('echo-app'))}
    env: { SERVICE_NAME: front, CALL_URL: "http://back:8000/echo" }
  - name: back
    ports: [{ name: http, port: 8000 }]
    command: ${JSON.stringify(app('echo-app'))}
    env: { SERVICE_NAME: back }
  - name: secure
    ports: [{ name: https, port: 8443 }]
    command: ${JSON.stringify(app('tls-app'))}
    env: { CERT_FILE: ${JSON.stringify(join(dir, 'app.pem'))}, KEY_FILE: ${JSON.stringify(join(dir, 'app.key'))} }
`,
  );
  mesh = await startMesh(dir, meshFile, [gatewayPort]);
});
after(async () => {
  await mesh?.stop();
});

/** The sidecar inbound port (on 127.0.0.1) of a service's one workload, from the control plane's registry. */
async function inbound(service: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${mesh.httpPort}/debug/registryz`);
  const view = (await r.json()) as { instances: { serviceHostname: string; port: number }[] };
  const port = view.instances.find((i) => i.serviceHostname === `${service}.default.svc.cluster.local`)?.port;
  assert.ok(port, `no instance of ${service}`);
  return port;
}

/** A plain-text HTTP request straight to a sidecar's inbound port. */
function plain(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ status: 0, body: String(err) }));
    req.end();
  });
}

/** openssl s_client to 127.0.0.1:port with no client certificate; its output (certificates, errors). */
function sClient(port: number, extra: string[] = []): string {
  const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-quiet', ...extra], {
    input: 'GET / HTTP/1.0\r\n\r\n',
    encoding: 'utf8',
    timeout: 10_000,
  });
  return `${r.stdout}${r.stderr}`;
}

interface Echo {
  service: string;
  headers: Record<string, string>;
  called?: { status: number; body: Echo };
}

/** gateway → front → back, every hop between proxies over mTLS: what back saw. */
async function frontCallsBack(): Promise<Echo | undefined> {
  for (let i = 0; i < 60; i++) {
    const r = await plain(gatewayPort, '/call', 'front.example');
    if (r.status === 200) {
      const echo = JSON.parse(r.body) as Echo;
      if (echo.called?.status === 200) return echo.called.body;
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  return undefined;
}

test('PERMISSIVE (default): sidecars talk mTLS, the callee sees the caller in XFCC; plain text and app TLS are accepted', async () => {
  const back = await frontCallsBack();
  assert.ok(back, 'the gateway reached front, and front reached back, through the mesh');
  const xfcc = back.headers['x-forwarded-client-cert'] ?? '';
  assert.match(xfcc, /By=spiffe:\/\/cluster\.local\/ns\/default\/sa\/back;/);
  assert.match(xfcc, /URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/front/);
  assert.match(xfcc, /Hash=[0-9a-f]{64}/);
  // The exchange headers are the proxies' business: the app never sees them.
  assert.equal(back.headers['x-envoy-peer-metadata'], undefined);

  const backPort = await inbound('back');
  const direct = await plain(backPort, '/echo', 'back:8000');
  assert.equal(direct.status, 200, 'PERMISSIVE takes plain text');
  assert.equal((JSON.parse(direct.body) as Echo).headers['x-forwarded-client-cert'], undefined);

  // TLS without Istio's ALPN and without a client certificate passes through to the app's own TLS.
  // (The app may still be starting: the mesh is up once its sidecars are.)
  const securePort = await inbound('secure');
  let out = sClient(securePort);
  for (let i = 0; i < 40 && !/served by the app/.test(out); i++) {
    await new Promise((res) => setTimeout(res, 250));
    out = sClient(securePort);
  }
  assert.match(out, /CN\s*=\s*secure-app/, out);
  assert.match(out, /served by the app over its own TLS/, out);
});

test('STRICT: plain text and TLS without a client certificate are refused; mTLS between sidecars carries on', async () => {
  const policy = join(dir, 'strict.yaml');
  writeFileSync(
    policy,
    `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: default }
spec:
  mtls: { mode: STRICT }
`,
  );
  const r = mesh.trellis('apply', '-f', policy);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const backPort = await inbound('back');
  let refused = false;
  for (let i = 0; i < 40 && !refused; i++) {
    refused = (await plain(backPort, '/echo', 'back:8000')).status === 0;
    if (!refused) await new Promise((res) => setTimeout(res, 250));
  }
  assert.ok(refused, 'a plain-text request to a STRICT workload is refused');
  const out = sClient(backPort, ['-alpn', 'istio']);
  assert.doesNotMatch(out, /HTTP\/1\.[01] 200/, 'no answer without a client certificate');
  assert.match(out, /alert|error|errno/i, out);
  // TLS that is not Istio's is no longer passed through either: STRICT terminates all TLS as mTLS.
  assert.doesNotMatch(sClient(await inbound('secure')), /served by the app over its own TLS/);

  // The gateway and the sidecars hold certificates: gateway → front → back still works, over mTLS.
  const back = await frontCallsBack();
  assert.match(
    back?.headers['x-forwarded-client-cert'] ?? '',
    /URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/front/,
  );
  assert.equal(
    (await plain(await inbound('front'), '/call', 'front:8000')).status,
    0,
    'front refuses plain text too',
  );
  assert.match(
    mesh.trellis('proxy-config', 'secret', 'back.default').stdout,
    /spiffe:\/\/cluster\.local\/ns\/default\/sa\/back/,
  );
});
