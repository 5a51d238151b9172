// Integration: an ingress gateway (`trellis proxy` as a router, fed by a real control plane) terminates TLS
// as Istio's Gateway servers say — SIMPLE and MUTUAL with certificate files, chosen by SNI on one port —
// passes TLS through by SNI to a TLS app with a VirtualService `tls` route, and redirects HTTP to https.
// curl and openssl-made certificates; every name resolves to 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ControlPlane } from '../../src/controlplane/server.js';
import { freePort } from '../../src/runtime/ports.js';
import {
  curl,
  eventually,
  type GatewayProcess,
  makeCa,
  makeLeaf,
  startGateway,
} from './gateway-tls-support.js';

let dir: string;
let cp: ControlPlane;
let gw: GatewayProcess | undefined;
let app: http.Server;
let tlsApp: https.Server;
let httpsPort: number;
let passPort: number;
let httpPort: number;
let ca: { cert: string; key: string };
let client: { cert: string; key: string };
let rogueClient: { cert: string; key: string };

const listen = (s: http.Server | https.Server) =>
  new Promise<number>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)),
  );

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-gateway-tls-'));
  ca = makeCa(dir, 'ca');
  const rogue = makeCa(dir, 'rogue-ca');
  const server = makeLeaf(dir, 'gateway', ca, [
    'bookstore.example.com',
    'mtls.example.com',
    'optional.example.com',
  ]);
  const appCert = makeLeaf(dir, 'secure-app', ca, ['secure.example.com']);
  client = makeLeaf(dir, 'client', ca, [], true);
  rogueClient = makeLeaf(dir, 'rogue-client', rogue, [], true);

  app = http.createServer((req, res) => {
    res.setHeader('x-seen-xfcc', String(req.headers['x-forwarded-client-cert'] ?? 'none'));
    res.end(`app saw ${req.headers.host} ${req.url}`);
  });
  const appPort = await listen(app);
  tlsApp = https.createServer(
    { cert: readFileSync(appCert.cert), key: readFileSync(appCert.key) },
    (req, res) => res.end(`tls app saw ${req.url}`),
  );
  const tlsAppPort = await listen(tlsApp);
  [httpsPort, passPort, httpPort] = [await freePort(), await freePort(), await freePort()];

  writeFileSync(
    join(dir, 'mesh.yaml'),
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
kind: ServiceEntry
metadata: { name: secure, namespace: default }
spec:
  hosts: [secure.example.com]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 443, name: tls, protocol: TLS }]
  endpoints: [{ address: 127.0.0.1, ports: { tls: ${tlsAppPort} } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: ${httpsPort}, name: https-simple, protocol: HTTPS }
    hosts: [bookstore.example.com]
    tls: { mode: SIMPLE, serverCertificate: ${server.cert}, privateKey: ${server.key} }
  - port: { number: ${httpsPort}, name: https-mutual, protocol: HTTPS }
    hosts: [mtls.example.com]
    tls: { mode: MUTUAL, serverCertificate: ${server.cert}, privateKey: ${server.key}, caCertificates: ${ca.cert} }
  - port: { number: ${httpsPort}, name: https-optional, protocol: HTTPS }
    hosts: [optional.example.com]
    tls: { mode: OPTIONAL_MUTUAL, serverCertificate: ${server.cert}, privateKey: ${server.key}, caCertificates: ${ca.cert} }
  - port: { number: ${passPort}, name: tls-pass, protocol: TLS }
    hosts: [secure.example.com]
    tls: { mode: PASSTHROUGH }
  - port: { number: ${httpPort}, name: http, protocol: HTTP }
    hosts: [bookstore.example.com]
    tls: { httpsRedirect: true }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: bookstore, namespace: default }
spec:
  hosts: [bookstore.example.com, mtls.example.com, optional.example.com]
  gateways: [edge]
  http:
  - route: [{ destination: { host: web.internal, port: { number: 80 } } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: secure, namespace: default }
spec:
  hosts: [secure.example.com]
  gateways: [edge]
  tls:
  - match: [{ port: ${passPort}, sniHosts: [secure.example.com] }]
    route: [{ destination: { host: secure.example.com, port: { number: 443 } } }]
`,
  );
  cp = await ControlPlane.start({ configDir: dir, xdsPort: 0, httpPort: 0, watch: false });
  gw = await startGateway(
    dir,
    'istio-ingressgateway',
    { istio: 'ingressgateway' },
    cp.xdsPort,
    await freePort(),
  );
  // Listeners bind when their config arrives: wait until the HTTPS port answers.
  await eventually(
    async () =>
      (
        await curl('bookstore.example.com', httpsPort, `https://bookstore.example.com:${httpsPort}/`, [
          '--cacert',
          ca.cert,
        ])
      ).status === 200,
  );
});

after(async () => {
  await gw?.stop();
  await cp?.close();
  app?.close();
  tlsApp?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('SIMPLE: the app answers over HTTPS with the gateway’s certificate for the host', async () => {
  const r = await curl(
    'bookstore.example.com',
    httpsPort,
    `https://bookstore.example.com:${httpsPort}/books`,
    ['--cacert', ca.cert, '-H', 'x-forwarded-client-cert: By=spiffe://forged'],
  );
  assert.equal(r.status, 200, r.stderr);
  assert.equal(r.body, `app saw bookstore.example.com:${httpsPort} /books`);
  // Without a client certificate, a client-supplied x-forwarded-client-cert never reaches the app.
  assert.match(r.headers, /\r\nx-seen-xfcc: none/i);
});

test('SIMPLE: a server name the gateway has no server for gets no certificate (handshake fails)', async () => {
  const r = await curl('other.example.com', httpsPort, `https://other.example.com:${httpsPort}/`, [
    '--cacert',
    ca.cert,
  ]);
  assert.notEqual(r.code, 0);
  assert.equal(r.status, 0);
});

test('MUTUAL: without a client certificate the handshake is refused; with one from the CA it passes', async () => {
  const url = `https://mtls.example.com:${httpsPort}/private`;
  const none = await curl('mtls.example.com', httpsPort, url, ['--cacert', ca.cert]);
  assert.equal(none.status, 0, 'no client certificate must not get an answer');
  const rogue = await curl('mtls.example.com', httpsPort, url, [
    '--cacert',
    ca.cert,
    '--cert',
    rogueClient.cert,
    '--key',
    rogueClient.key,
  ]);
  assert.equal(rogue.status, 0, 'a certificate from another CA must not get an answer');
  const ok = await curl('mtls.example.com', httpsPort, url, [
    '--cacert',
    ca.cert,
    '--cert',
    client.cert,
    '--key',
    client.key,
  ]);
  assert.equal(ok.status, 200, ok.stderr);
  assert.equal(ok.body, `app saw mtls.example.com:${httpsPort} /private`);
  // The app learns the verified client certificate (Istio's gateway default: SANITIZE_SET).
  assert.match(
    ok.headers,
    /\r\nx-seen-xfcc: Hash=[0-9a-f]{64};Cert="-----BEGIN%20CERTIFICATE-----%0a[^"]+-----END%20CERTIFICATE-----%0a";Subject="CN=client"/i,
  );
});

test('OPTIONAL_MUTUAL: no client certificate is fine; one from the CA is verified and forwarded', async () => {
  const url = `https://optional.example.com:${httpsPort}/maybe`;
  const none = await curl('optional.example.com', httpsPort, url, ['--cacert', ca.cert]);
  assert.equal(none.status, 200, none.stderr);
  assert.match(none.headers, /\r\nx-seen-xfcc: none/i);
  const withCert = await curl('optional.example.com', httpsPort, url, [
    '--cacert',
    ca.cert,
    '--cert',
    client.cert,
    '--key',
    client.key,
  ]);
  assert.equal(withCert.status, 200, withCert.stderr);
  assert.match(
    withCert.headers,
    /\r\nx-seen-xfcc: Hash=[0-9a-f]{64};Cert="-----BEGIN%20CERTIFICATE-----%0a[^"]+-----END%20CERTIFICATE-----%0a";Subject="CN=client"/i,
  );
  const rogue = await curl('optional.example.com', httpsPort, url, [
    '--cacert',
    ca.cert,
    '--cert',
    rogueClient.cert,
    '--key',
    rogueClient.key,
  ]);
  assert.equal(rogue.status, 0, 'a certificate that fails verification is refused');
});

test('PASSTHROUGH: a TLS app is reached end to end with its own certificate, routed by SNI', async () => {
  const r = await curl('secure.example.com', passPort, `https://secure.example.com:${passPort}/hello`, [
    '--cacert',
    ca.cert,
    '-v',
  ]);
  assert.equal(r.status, 200, r.stderr);
  assert.equal(r.body, 'tls app saw /hello');
  // The app's certificate, not the gateway's: the gateway never terminated this connection.
  assert.match(r.stderr, /subject: CN=secure\.example\.com/);
  const other = await curl('bookstore.example.com', passPort, `https://bookstore.example.com:${passPort}/`, [
    '--cacert',
    ca.cert,
  ]);
  assert.equal(other.status, 0, 'an SNI without a tls route is not forwarded');
});

test('httpsRedirect: the HTTP server answers 301 to https', async () => {
  const r = await curl(
    'bookstore.example.com',
    httpPort,
    `http://bookstore.example.com:${httpPort}/books?x=1`,
  );
  assert.equal(r.status, 301);
  assert.match(r.headers, /\r\nlocation: https:\/\/bookstore\.example\.com(:\d+)?\/books\?x=1/i);
});
