// Integration: an AUTO_PASSTHROUGH gateway server (Istio's east-west gateway) in a real local mesh
// (`trellis up`). A client holding a mesh certificate (signed with the mesh CA's root) opens mutual TLS to the
// gateway with SNI outbound_.8000_._.back.default.svc.cluster.local: the gateway passes it through untouched
// to the back service's sidecar (whose SPIFFE certificate the client sees), and the app sees the client's
// identity; an SNI naming no service gets no connection.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { freePort, type LocalMesh, startMesh } from '../helpers/local-mesh.js';

let mesh: LocalMesh;
let dir: string;
let port: number;
let client: { cert: string; key: string; ca: string };

function app(name: string): string[] {
  const compiled = import.meta.url.endsWith('.js');
  const file = fileURLToPath(new URL(`./mtls/${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return compiled
    ? [process.execPath, file]
    : [process.execPath, '--import', import.meta.resolve('tsx'), file];
}

/** A workload certificate for spiffe://cluster.local/ns/default/sa/tester, signed with the mesh root. */
function meshClientCertificate(): { cert: string; key: string; ca: string } {
  const caDir = join(dir, '.trellis', 'ca');
  const [key, csr, cert, ext] = ['tester.key', 'tester.csr', 'tester.pem', 'tester.ext'].map((f) =>
    join(dir, f),
  );
  execFileSync(
    'openssl',
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key].concat([
      '-out',
      csr,
      '-subj',
      '/O=cluster.local',
    ]),
    { stdio: 'ignore' },
  );
  writeFileSync(
    ext,
    'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth,serverAuth\nsubjectAltName=URI:spiffe://cluster.local/ns/default/sa/tester\n',
  );
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(caDir, 'root-cert.pem'),
      '-CAkey',
      join(caDir, 'root-key.pem'),
    ].concat(['-CAcreateserial', '-out', cert, '-days', '1', '-extfile', ext]),
    { stdio: 'ignore' },
  );
  return {
    cert: readFileSync(cert, 'utf8'),
    key: readFileSync(key, 'utf8'),
    ca: readFileSync(join(caDir, 'root-cert.pem'), 'utf8'),
  };
}

interface Exchange {
  peerSans: string;
  alpn: string | false | null;
  response: string;
}

/** Mutual TLS to the gateway with `sni`, one HTTP/1.1 request inside; rejects when the connection fails. */
function call(sni: string, path: string): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: sni,
      ALPNProtocols: ['istio-peer-exchange', 'istio', 'http/1.1'],
      cert: client.cert,
      key: client.key,
      ca: client.ca,
      // The peer is a workload with a SPIFFE URI SAN, not a DNS name: checked below instead.
      checkServerIdentity: () => undefined,
    });
    let response = '';
    let peerSans = '';
    let alpn: string | false | null = null;
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('secureConnect', () => {
      peerSans = socket.getPeerCertificate().subjectaltname ?? '';
      alpn = socket.alpnProtocol;
      socket.write(`GET ${path} HTTP/1.1\r\nHost: back:8000\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => {
      response += d.toString();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (!socket.authorized && response === '') return reject(new Error('no TLS session'));
      resolve({ peerSans, alpn, response });
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-auto-passthrough-'));
  port = await freePort();
  writeFileSync(
    join(dir, 'eastwest.yaml'),
    `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: cross-network, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: ${port}, name: tls, protocol: TLS }
    hosts: ["*.local"]
    tls: { mode: AUTO_PASSTHROUGH }
`,
  );
  const meshFile = join(dir, 'mesh.yaml');
  writeFileSync(
    meshFile,
    `apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata: { name: eastwest }
spec:
  config: [eastwest.yaml]
  services:
  - name: back
    ports: [{ name: http, port: 8000 }]
    command: ${JSON.stringify(app('echo-app'))}
    env: { SERVICE_NAME: back }
`,
  );
  mesh = await startMesh(dir, meshFile, [port]);
  client = meshClientCertificate();
});

after(async () => {
  await mesh?.stop();
});

test('mutual TLS with SNI outbound_.8000_._.<host> passes through the gateway to that service’s sidecar', async () => {
  const sni = 'outbound_.8000_._.back.default.svc.cluster.local';
  let last: unknown;
  let ex: Exchange | undefined;
  for (let i = 0; i < 100 && !ex; i++) {
    ex = await call(sni, '/through-eastwest').catch((err) => {
      last = err;
      return undefined;
    });
    if (!ex?.response.includes('200')) {
      ex = undefined;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  assert.ok(ex, `no answer through the gateway: ${String(last)}\n${mesh.output().slice(-3000)}`);
  // The TLS peer is the back workload's sidecar (its SPIFFE certificate), not the gateway.
  assert.match(ex.peerSans, /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/[\w-]+/);
  assert.match(ex.response, /^HTTP\/1\.1 200/);
  const body = JSON.parse(ex.response.slice(ex.response.indexOf('\r\n\r\n') + 4)) as {
    service: string;
    path: string;
    headers: Record<string, string>;
  };
  assert.equal(body.service, 'back');
  assert.equal(body.path, '/through-eastwest');
  // The sidecar verified the client's own certificate: the app learns who called.
  assert.match(
    body.headers['x-forwarded-client-cert'] ?? '',
    /URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/tester/,
  );
});

test('an SNI that names no service behind the gateway gets no connection', async () => {
  await assert.rejects(call('outbound_.8000_._.nothing.default.svc.cluster.local', '/'));
});
