// Integration: gateway certificates that change. A Secret applied with `trellis apply` makes a credentialName
// server serve it (SDS over ADS); applying a new Secret rotates the served certificate (serial read with
// openssl s_client) while a keep-alive connection made before keeps working; a server whose Secret is missing
// is left out (analyze says IST0101) while the others serve; MUTUAL takes its CA from the Secret's ca.crt;
// a certificate file rewritten on disk is served within a few seconds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ControlPlane } from '../../src/controlplane/server.js';
import { freePort } from '../../src/runtime/ports.js';
import { trellisArgv } from '../helpers/trellis-bin.js';
import {
  curl,
  eventually,
  type GatewayProcess,
  makeCa,
  makeLeaf,
  startGateway,
} from './gateway-tls-support.js';

const run = promisify(execFile);

let dir: string;
let cp: ControlPlane;
let gw: GatewayProcess | undefined;
let app: http.Server;
let port: number;
let ca: { cert: string; key: string };
let client: { cert: string; key: string };
const cpLog: string[] = [];

/** A `trellis apply` of a Secret in istio-system (the gateway's namespace) with the given PEM files. */
async function applySecret(name: string, files: Record<string, string>, type = 'kubernetes.io/tls') {
  const data = Object.entries(files)
    .map(([k, f]) => `  ${k}: ${readFileSync(f).toString('base64')}`)
    .join('\n');
  const file = join(dir, `${name}-secret.yaml`);
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: istio-system\ntype: ${type}\ndata:\n${data}\n`,
  );
  const [cmd, ...args] = trellisArgv();
  const out = await run(cmd, [
    ...args,
    'apply',
    '-f',
    file,
    '--controlplane',
    `http://127.0.0.1:${cp.httpPort}`,
  ]);
  return out.stdout;
}

/** The serial of the certificate the gateway serves for `host`, as openssl s_client sees it. */
async function servedSerial(host: string): Promise<string> {
  const { stdout } = await run('sh', [
    '-c',
    `openssl s_client -connect 127.0.0.1:${port} -servername ${host} </dev/null 2>/dev/null | openssl x509 -noout -serial`,
  ]).catch(() => ({ stdout: '' }));
  return stdout.trim().replace(/^serial=/, '');
}

const serialOf = async (certFile: string) =>
  (await run('openssl', ['x509', '-noout', '-serial', '-in', certFile])).stdout
    .trim()
    .replace(/^serial=/, '');

const get = (host: string, path: string, extra: string[] = []) =>
  curl(host, port, `https://${host}:${port}${path}`, ['--cacert', ca.cert, ...extra]);

let fileCert: { cert: string; key: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-gateway-credentials-'));
  ca = makeCa(dir, 'ca');
  client = makeLeaf(dir, 'client', ca, [], true);
  mkdirSync(join(dir, 'files'));
  fileCert = makeLeaf(join(dir, 'files'), 'files', ca, ['files.example.com']);
  app = http.createServer((req, res) => res.end(`app saw ${req.headers.host} ${req.url}`));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  const appPort = (app.address() as AddressInfo).port;
  port = await freePort();
  mkdirSync(join(dir, 'config'));
  writeFileSync(
    join(dir, 'config', 'mesh.yaml'),
    `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: web, namespace: default }
spec:
  hosts: [web.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http: ${appPort} } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: ${port}, name: https-shop, protocol: HTTPS }
    hosts: [shop.example.com]
    tls: { mode: SIMPLE, credentialName: shop-cred }
  - port: { number: ${port}, name: https-gone, protocol: HTTPS }
    hosts: [gone.example.com]
    tls: { mode: SIMPLE, credentialName: gone-cred }
  - port: { number: ${port}, name: https-mtls, protocol: HTTPS }
    hosts: [mtls.example.com]
    tls: { mode: MUTUAL, credentialName: mtls-cred }
  - port: { number: ${port}, name: https-files, protocol: HTTPS }
    hosts: [files.example.com]
    tls: { mode: SIMPLE, serverCertificate: ${fileCert.cert}, privateKey: ${fileCert.key} }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: default }
spec:
  hosts: [shop.example.com, gone.example.com, mtls.example.com, files.example.com]
  gateways: [edge]
  http:
  - route: [{ destination: { host: web.internal, port: { number: 80 } } }]
`,
  );
  cp = await ControlPlane.start({
    configDir: join(dir, 'config'),
    xdsPort: 0,
    httpPort: 0,
    log: (l) => cpLog.push(l),
  });
  gw = await startGateway(
    dir,
    'istio-ingressgateway',
    { istio: 'ingressgateway' },
    cp.xdsPort,
    await freePort(),
  );
  // The file-based server needs no Secret: the port answers once the listener is in.
  await eventually(async () => (await get('files.example.com', '/')).status === 200);
});

after(async () => {
  await gw?.stop();
  await cp?.close();
  app?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a Secret applied with trellis apply is served for its credentialName', async () => {
  // Before the Secret exists the server is left out: no certificate for its name.
  assert.equal((await get('shop.example.com', '/')).status, 0);
  const first = makeLeaf(dir, 'shop-1', ca, ['shop.example.com']);
  const out = await applySecret('shop-cred', { 'tls.crt': first.cert, 'tls.key': first.key });
  assert.match(out, /secret\/shop-cred (created|configured)/);
  await eventually(async () => (await get('shop.example.com', '/')).status === 200).catch((e: Error) => {
    throw new Error(`${e.message}; control plane log:\n${cpLog.join('\n')}`);
  });
  const r = await get('shop.example.com', '/hello');
  assert.equal(r.body, `app saw shop.example.com:${port} /hello`);
  assert.equal(await servedSerial('shop.example.com'), await serialOf(first.cert));
  // What the control plane shows of the Secret: key sizes, never the key.
  const listed = await (
    await fetch(`http://127.0.0.1:${cp.httpPort}/apis/resources?kind=Secret&namespace=istio-system`)
  ).text();
  const configz = await (await fetch(`http://127.0.0.1:${cp.httpPort}/debug/configz`)).text();
  for (const text of [listed, configz]) {
    assert.ok(
      !text.includes('PRIVATE KEY') &&
        !text.includes(readFileSync(first.key).toString('base64').slice(0, 32)),
    );
  }
  assert.match(listed, /"tls\.key":\s*"\d+ bytes"/);
  // trellis get, as a table and as YAML: names, key sizes, never a value.
  const [cmd, ...args] = trellisArgv();
  const cli = (...more: string[]) =>
    run(cmd, [
      ...args,
      'get',
      'secrets',
      '-n',
      'istio-system',
      ...more,
      '--controlplane',
      `http://127.0.0.1:${cp.httpPort}`,
    ]);
  assert.match((await cli()).stdout, /shop-cred/);
  const yaml = (await cli('shop-cred', '-o', 'yaml')).stdout;
  assert.match(yaml, /tls\.key: \d+ bytes/);
  assert.ok(!yaml.includes('PRIVATE KEY') && !yaml.includes('BEGIN CERTIFICATE'), yaml);
});

test('replacing the Secret rotates the served certificate; a keep-alive connection made before carries on', async () => {
  await eventually(async () => (await get('shop.example.com', '/')).status === 200);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(ca.cert) });
  const request = () =>
    new Promise<{ body: string; reused: boolean; serial: string }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          servername: 'shop.example.com',
          path: '/kept',
          agent,
          headers: { host: 'shop.example.com' },
        },
        (res) => {
          const sock = res.socket as import('node:tls').TLSSocket;
          const serial = sock.getPeerCertificate().serialNumber;
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ body, reused: req.reusedSocket, serial }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  try {
    const before = await request();
    assert.equal(before.body, `app saw shop.example.com /kept`);
    const second = makeLeaf(dir, 'shop-2', ca, ['shop.example.com']);
    const newSerial = await serialOf(second.cert);
    assert.notEqual(before.serial.toUpperCase(), newSerial.toUpperCase());
    await applySecret('shop-cred', { 'tls.crt': second.cert, 'tls.key': second.key });
    await eventually(async () => (await servedSerial('shop.example.com')) === newSerial, 10_000);
    const after = await request();
    assert.equal(after.reused, true, 'the connection made before the rotation is still in use');
    assert.equal(after.body, `app saw shop.example.com /kept`);
    assert.equal(after.serial, before.serial, 'it keeps the certificate it was made with');
  } finally {
    agent.destroy();
  }
});

test('a missing Secret leaves only its server out: others serve, analyze and the log say why', async () => {
  const gone = await get('gone.example.com', '/');
  assert.equal(gone.status, 0, 'no certificate for a server whose Secret is missing');
  assert.equal((await get('files.example.com', '/')).status, 200);
  assert.ok(
    cpLog.some((l) => /https-gone.*credentialName "gone-cred".*not found/.test(l)),
    cpLog.join('\n'),
  );
  const analyze = await (await fetch(`http://127.0.0.1:${cp.httpPort}/debug/analyze?output=text`)).text();
  assert.match(analyze, /IST0101.*Referenced credentialName not found: "gone-cred"/);
});

test('MUTUAL with credentialName: the CA comes from the Secret’s ca.crt; a client certificate is required', async () => {
  const server = makeLeaf(dir, 'mtls', ca, ['mtls.example.com']);
  await applySecret('mtls-cred', { 'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': ca.cert });
  const withCert = ['--cert', client.cert, '--key', client.key];
  await eventually(async () => (await get('mtls.example.com', '/m', withCert)).status === 200);
  assert.equal((await get('mtls.example.com', '/m')).status, 0, 'no client certificate, no answer');
});

test('a certificate file rewritten on disk is served within a few seconds', async () => {
  const oldSerial = await serialOf(fileCert.cert);
  assert.equal(await servedSerial('files.example.com'), oldSerial);
  const next = makeLeaf(dir, 'files-next', ca, ['files.example.com']);
  const newSerial = await serialOf(next.cert);
  // Replace key and certificate atomically (write beside, rename over), as cert tooling does.
  writeFileSync(`${fileCert.key}.new`, readFileSync(next.key));
  writeFileSync(`${fileCert.cert}.new`, readFileSync(next.cert));
  renameSync(`${fileCert.key}.new`, fileCert.key);
  const start = Date.now();
  renameSync(`${fileCert.cert}.new`, fileCert.cert);
  await eventually(async () => (await servedSerial('files.example.com')) === newSerial, 5_000);
  assert.ok(Date.now() - start < 5_000);
  assert.equal((await get('files.example.com', '/after')).status, 200);
});
