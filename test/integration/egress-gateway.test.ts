// Integration: `trellis up` with `egressGateway: true` runs an istio-egressgateway, and Istio's documented
// egress setup (ServiceEntry for the external host, a Gateway selecting the egress gateway, a DestinationRule
// subset for it, one VirtualService routing mesh → egress gateway → external) sends a workload's request to
// the external host through that gateway; with "Egress gateways with TLS origination", the gateway turns a
// plain request into HTTPS to a second external host (DestinationRule tls SIMPLE on its port 443). The
// external services are local servers under made-up hostnames.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adminGet } from '../../src/runtime/admin-client.js';
import { freePort, type LocalMesh, startMesh } from '../helpers/local-mesh.js';
import { eventually, makeCa, makeLeaf } from './gateway-tls-support.js';

const EXTERNAL = 'external.example.test';
const SECURE = 'secure-external.example.test';
const MTLS = 'mtls-external.example.test';

let dir: string;
let mesh: LocalMesh | undefined;
let external: http.Server;
let secureExternal: https.Server;
const seen: { host: string; url: string }[] = [];
const seenOverTls: { host: string; url: string }[] = [];
let egressPort: number;
let egressMtlsPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-egress-'));
  external = http.createServer((req, res) => {
    seen.push({ host: req.headers.host ?? '', url: req.url ?? '' });
    res.end(`external answered ${req.url}`);
  });
  await new Promise<void>((r) => external.listen(0, '127.0.0.1', r));
  const externalPort = (external.address() as AddressInfo).port;
  const ca = makeCa(dir, 'ca');
  const leaf = makeLeaf(dir, 'secure-external', ca, [SECURE]);
  secureExternal = https.createServer(
    { cert: readFileSync(leaf.cert), key: readFileSync(leaf.key) },
    (req, res) => {
      seenOverTls.push({ host: req.headers.host ?? '', url: req.url ?? '' });
      res.end(`secure external answered ${req.url}`);
    },
  );
  await new Promise<void>((r) => secureExternal.listen(0, '127.0.0.1', r));
  const securePort = (secureExternal.address() as AddressInfo).port;
  egressPort = await freePort();
  egressMtlsPort = await freePort();
  // The workload asks for the external host every 300 ms through its sidecar (HTTP_PROXY, set by trellis run).
  writeFileSync(
    join(dir, 'caller.mjs'),
    `setInterval(async () => {
  try {
    const r = await fetch('http://${EXTERNAL}/status');
    console.log('external:', r.status, await r.text());
    const s = await fetch('http://${SECURE}/orders');
    console.log('secure external:', s.status, await s.text());
    const m = await fetch('http://${MTLS}/mtls');
    console.log('mtls external:', m.status, await m.text());
  } catch (e) { console.log('external failed:', String(e)); }
}, 300);
`,
  );
  writeFileSync(
    join(dir, 'mesh.yaml'),
    `apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata: { name: egress-demo }
spec:
  egressGateway: true
  config: [egress.yaml]
  services:
  - name: caller
    ports: [{ name: http, port: 8000 }]
    command: [node, ${join(dir, 'caller.mjs')}]
`,
  );
  writeFileSync(
    join(dir, 'egress.yaml'),
    `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: external, namespace: default }
spec:
  hosts: [${EXTERNAL}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http-port, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http-port: ${externalPort} } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: istio-egressgateway, namespace: default }
spec:
  selector: { istio: egressgateway }
  servers:
  - port: { number: ${egressPort}, name: http, protocol: HTTP }
    hosts: [${EXTERNAL}, ${SECURE}]
  - port: { number: ${egressMtlsPort}, name: https, protocol: HTTPS }
    hosts: [${MTLS}]
    tls: { mode: ISTIO_MUTUAL }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: egressgateway-for-external, namespace: default }
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: external
  - name: mtls-external
    trafficPolicy:
      portLevelSettings:
      - port: { number: ${egressMtlsPort} }
        tls: { mode: ISTIO_MUTUAL, sni: ${MTLS} }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: direct-external-through-egress-gateway, namespace: default }
spec:
  hosts: [${EXTERNAL}]
  gateways: [istio-egressgateway, mesh]
  http:
  - match: [{ gateways: [mesh], port: 80 }]
    route:
    - destination: { host: istio-egressgateway.istio-system.svc.cluster.local, subset: external, port: { number: ${egressPort} } }
      weight: 100
  - match: [{ gateways: [istio-egressgateway], port: ${egressPort} }]
    route:
    - destination: { host: ${EXTERNAL}, port: { number: 80 } }
      weight: 100
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: secure-external, namespace: default }
spec:
  hosts: [${SECURE}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports:
  - { number: 80, name: http-port, protocol: HTTP }
  - { number: 443, name: https-port, protocol: HTTPS }
  endpoints: [{ address: 127.0.0.1, ports: { http-port: 1, https-port: ${securePort} } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: secure-external-through-egress-gateway, namespace: default }
spec:
  hosts: [${SECURE}]
  gateways: [istio-egressgateway, mesh]
  http:
  - match: [{ gateways: [mesh], port: 80 }]
    route:
    - destination: { host: istio-egressgateway.istio-system.svc.cluster.local, subset: external, port: { number: ${egressPort} } }
  - match: [{ gateways: [istio-egressgateway], port: ${egressPort} }]
    route:
    - destination: { host: ${SECURE}, port: { number: 443 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: originate-tls-for-secure-external, namespace: default }
spec:
  host: ${SECURE}
  trafficPolicy:
    portLevelSettings:
    - port: { number: 443 }
      tls: { mode: SIMPLE, caCertificates: ${join(dir, 'ca.pem')} }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: mtls-external, namespace: default }
spec:
  hosts: [${MTLS}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http-port, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.1, ports: { http-port: ${externalPort} } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: mtls-external-through-egress-gateway, namespace: default }
spec:
  hosts: [${MTLS}]
  gateways: [istio-egressgateway, mesh]
  http:
  - match: [{ gateways: [mesh], port: 80 }]
    route:
    - destination: { host: istio-egressgateway.istio-system.svc.cluster.local, subset: mtls-external, port: { number: ${egressMtlsPort} } }
  - match: [{ gateways: [istio-egressgateway], port: ${egressMtlsPort} }]
    route:
    - destination: { host: ${MTLS}, port: { number: 80 } }
`,
  );
  mesh = await startMesh(dir, join(dir, 'mesh.yaml'), [], 120_000);
});

after(async () => {
  await mesh?.stop();
  external?.close();
  secureExternal?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A stat of the egress gateway (its admin port from the bootstrap `trellis up` wrote). */
async function egressStat(name: string): Promise<number> {
  const bootstrap = JSON.parse(
    readFileSync(join(dir, '.trellis', 'egressgateway-bootstrap.json'), 'utf8'),
  ) as {
    admin: { address: { socket_address: { port_value: number } } };
  };
  const r = await adminGet(bootstrap.admin.address.socket_address.port_value, '/stats');
  const line = r.body.split('\n').find((l) => l.startsWith(`${name}: `));
  return line ? Number(line.slice(name.length + 2)) : 0;
}

test('a sidecar’s request to the external host goes through the egress gateway', async () => {
  await eventually(async () => /external: 200 external answered \/status/.test(mesh?.output() ?? ''), 30_000);
  assert.ok(seen.some((r) => r.host === EXTERNAL && r.url === '/status'));
  // The egress gateway's listener took the requests and its cluster for the external host sent them on.
  await eventually(async () => (await egressStat(`cluster.outbound|80||${EXTERNAL}.upstream_rq_total`)) > 0);
  assert.ok((await egressStat(`http.outbound_0.0.0.0_${egressPort}.downstream_rq_total`)) > 0);
});

test('egress TLS origination: a plain request leaves the egress gateway as HTTPS to the external host', async () => {
  await eventually(
    async () => /secure external: 200 secure external answered \/orders/.test(mesh?.output() ?? ''),
    30_000,
  );
  assert.ok(
    seenOverTls.some((r) => r.host === SECURE && r.url === '/orders'),
    'the HTTPS server was reached',
  );
  await eventually(async () => (await egressStat(`cluster.outbound|443||${SECURE}.upstream_rq_total`)) > 0);
});

test('sidecar → egress gateway over Istio mTLS (Gateway ISTIO_MUTUAL, DestinationRule subset ISTIO_MUTUAL with the SNI)', async () => {
  await eventually(
    async () => /mtls external: 200 external answered \/mtls/.test(mesh?.output() ?? ''),
    30_000,
  );
  assert.ok(seen.some((r) => r.host === MTLS && r.url === '/mtls'));
  // The gateway's mTLS chain took the requests: its HTTPS server's connection manager counted them.
  await eventually(
    async () => (await egressStat(`http.outbound_0.0.0.0_${egressMtlsPort}.downstream_rq_total`)) > 0,
  );
});
