// The Trellis Mesh kind: validation of a local mesh file and expansion into runnable workloads with defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from '../diagnostic.js';
import { validateText } from '../validate.js';
import { type MeshSpec, meshWorkloads } from './mesh.js';

const MESH = `apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata:
  name: payment-demo
spec:
  config: [payment/]
  services:
    - name: payment-svc
      namespace: production
      labels: {app: payment}
      ports:
        - {name: http-web, port: 80}
      command: [node, samples/payment/payment.js]
      env: {LOG: info}
      versions:
        - {name: v1, replicas: 2}
        - {name: v2, env: {LOG: debug}}
    - name: notify
      ports:
        - {name: grpc-api, port: 9090, protocol: GRPC}
      command: node samples/payment/notify.js
`;

test('a Mesh file validates and expands into workloads with Istio-style labels', () => {
  const { resources, diagnostics } = validateText(MESH, 'mesh.yaml');
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  const mesh = resources[0];
  assert.equal(mesh.metadata.namespace, '');
  const spec = mesh.spec as MeshSpec;
  assert.equal(spec.domain, 'cluster.local');
  const w = meshWorkloads(spec);
  assert.deepEqual(
    w.map((x) => [x.namespace, x.service, x.version, x.serviceAccount, x.labels, x.replicas, x.env.LOG]),
    [
      ['production', 'payment-svc', 'v1', 'payment-svc', { app: 'payment', version: 'v1' }, 2, 'info'],
      ['production', 'payment-svc', 'v2', 'payment-svc', { app: 'payment', version: 'v2' }, 1, 'debug'],
      ['default', 'notify', '', 'notify', { app: 'notify' }, 1, undefined],
    ],
  );
  assert.equal(w[2].command, 'node samples/payment/notify.js');
});

test('spec.egressGateway: off by default, on when true, and only a boolean', () => {
  const off = validateText(MESH, 'mesh.yaml');
  assert.equal((off.resources[0].spec as MeshSpec).egressGateway, false);
  const on = validateText(MESH.replace('spec:\n', 'spec:\n  egressGateway: true\n'), 'mesh.yaml');
  assert.deepEqual(on.diagnostics.map(formatDiagnostic), []);
  assert.equal((on.resources[0].spec as MeshSpec).egressGateway, true);
  const typo = validateText(MESH.replace('spec:\n', 'spec:\n  egressGateway: yes-please\n'), 'mesh.yaml');
  assert.match(typo.diagnostics.map(formatDiagnostic).join('\n'), /egressGateway/);
});
