// IST0101 for a Gateway credentialName without its Secret where the gateway runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateText } from '../../api/index.js';
import { analyzeResources } from '../index.js';

const YAML = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https-a, protocol: HTTPS }
    hosts: [a.example.com]
    tls: { mode: SIMPLE, credentialName: a-cred }
  - port: { number: 443, name: https-b, protocol: HTTPS }
    hosts: [b.example.com]
    tls: { mode: SIMPLE, credentialName: b-cred }
  - port: { number: 443, name: https-c, protocol: HTTPS }
    hosts: [c.example.com]
    tls: { mode: SIMPLE, credentialName: apps/c-cred }
  - port: { number: 443, name: https-mesh, protocol: HTTPS }
    hosts: [m.example.com]
    tls: { mode: ISTIO_MUTUAL }
---
apiVersion: v1
kind: Secret
metadata: { name: a-cred, namespace: istio-system }
stringData: { note: placeholder }
---
apiVersion: v1
kind: Secret
metadata: { name: c-cred, namespace: other }
stringData: { note: placeholder }
`;

test('a credentialName with no Secret where the gateway runs is IST0101 at its field', () => {
  const { resources, diagnostics } = validateText(YAML, 'gw.yaml');
  assert.deepEqual(diagnostics, []);
  const found = analyzeResources(resources).filter((f) => f.code === 'IST0101');
  assert.deepEqual(
    found.map((f) => [f.path, f.message, f.line]),
    [
      ['spec.servers[1].tls.credentialName', 'Referenced credentialName not found: "b-cred"', 13],
      ['spec.servers[2].tls.credentialName', 'Referenced credentialName not found: "apps/c-cred"', 16],
    ],
  );
  assert.match(found[0].suggestion ?? '', /default\/b-cred or istio-system\/b-cred/);
});
