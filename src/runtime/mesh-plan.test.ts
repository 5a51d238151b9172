// planMesh: Gateways split between the ingress and the egress gateway by selector, the generated ServiceEntry
// naming the egress gateway (valid, and read back by the supervisor), port clashes, and printed URLs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { validateText } from '../api/validate.js';
import { EGRESS_SERVICE_ENTRY_FILE, planMesh, plannedEgressGatewayPorts } from './mesh-plan.js';

const MESH = (egress: boolean) => `apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata: { name: m }
spec:
  egressGateway: ${egress}
  config: [gw.yaml]
`;

const GATEWAYS = (egressPort: number) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: in, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - { port: { number: 8080, name: http, protocol: HTTP }, hosts: ["*"] }
  - port: { number: 8443, name: https, protocol: HTTPS }
    hosts: [shop.example.com]
    tls: { mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem }
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: out, namespace: default }
spec:
  selector: { istio: egressgateway }
  servers:
  - { port: { number: ${egressPort}, name: http, protocol: HTTP }, hosts: [api.example.com] }
`;

function plan(egress: boolean, egressPort = 9080) {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-plan-'));
  writeFileSync(join(dir, 'mesh.yaml'), MESH(egress));
  writeFileSync(join(dir, 'gw.yaml'), GATEWAYS(egressPort));
  const configDir = join(dir, 'config');
  return {
    configDir,
    result: planMesh(join(dir, 'mesh.yaml'), configDir),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('egressGateway: true gives the egress Gateways’ ports to the egress gateway and registers it', async () => {
  const p = plan(true);
  try {
    const r = await p.result;
    assert.deepEqual(r.gatewayPorts, [8080, 8443]);
    assert.deepEqual(r.egressGatewayPorts, [9080]);
    assert.deepEqual(plannedEgressGatewayPorts(p.configDir), [9080]);
    const se = validateText(readFileSync(join(p.configDir, EGRESS_SERVICE_ENTRY_FILE), 'utf8'), 'se.yaml');
    assert.deepEqual(se.diagnostics, []);
    const spec = se.resources[0].spec as { hosts: string[]; endpoints: { address: string }[] };
    assert.deepEqual(spec.hosts, ['istio-egressgateway.istio-system.svc.cluster.local']);
    assert.equal(spec.endpoints[0].address, '127.0.0.1');
    assert.ok(r.urls.includes('http://127.0.0.1:8080/'));
    assert.ok(r.urls.some((u) => u.startsWith('https://shop.example.com:8443/')));
    assert.ok(!r.urls.some((u) => u.includes(':9080')), 'no URL for the egress gateway');
  } finally {
    p.cleanup();
  }
});

test('without egressGateway every Gateway stays with the ingress gateway and nothing is generated', async () => {
  const p = plan(false);
  try {
    const r = await p.result;
    assert.deepEqual(r.gatewayPorts, [8080, 8443, 9080]);
    assert.deepEqual(r.egressGatewayPorts, []);
    assert.deepEqual(plannedEgressGatewayPorts(p.configDir), []);
  } finally {
    p.cleanup();
  }
});

test('ingress and egress Gateways on one port are refused (both listen on 127.0.0.1)', async () => {
  const p = plan(true, 8080);
  try {
    await assert.rejects(p.result, /both use port 8080/);
  } finally {
    p.cleanup();
  }
});
