// Validation of the Gateway API kinds Trellis added for TLS/TCP: TLSRoute, TCPRoute, ReferenceGrant, and the
// listener TLS rules (modes per protocol, certificateRefs), with field paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from '../diagnostic.js';
import { validateText } from '../validate.js';
import type { TLSRouteSpec } from './gateway-api-l4.js';

const messages = (text: string) => validateText(text, 'g.yaml').diagnostics.map(formatDiagnostic);

test('TLSRoute, TCPRoute and ReferenceGrant validate; backend weights default to 1', () => {
  const { resources, diagnostics } = validateText(
    `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: { name: secure }
spec:
  parentRefs: [{ name: gw, sectionName: tls }]
  hostnames: [secure.example.com]
  rules: [{ backendRefs: [{ name: secure, port: 443 }] }]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: { name: db }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: db, port: 5432, weight: 3 }, { name: db2, port: 5432 }] }]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: allow, namespace: backends }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default }]
  to: [{ group: "", kind: Service }]
`,
    'ok.yaml',
  );
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(
    resources.map((r) => r.kind),
    ['TLSRoute', 'TCPRoute', 'ReferenceGrant'],
  );
  const tls = resources[0].spec as TLSRouteSpec;
  assert.equal(tls.rules[0].backendRefs[0].weight, 1);
  assert.equal(tls.rules[0].backendRefs[0].kind, 'Service');
});

test('errors name the field: a Service backend without port, a TCPRoute with hostnames, a grant without from', () => {
  const out = messages(`apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: { name: db }
spec:
  hostnames: [x.example.com]
  rules: [{ backendRefs: [{ name: db }] }]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: allow }
spec:
  to: [{ group: "", kind: Secret }]
`);
  assert.ok(
    out.some((m) => /spec\.hostnames/.test(m)),
    out.join('\n'),
  );
  assert.ok(
    out.some((m) => /spec\.rules\[0\]\.backendRefs\[0\]\.port/.test(m)),
    out.join('\n'),
  );
  assert.ok(
    out.some((m) => /spec\.from/.test(m)),
    out.join('\n'),
  );
});

test('listener TLS: HTTPS cannot pass through, TLS needs tls, Terminate needs certificates, TCP has none', () => {
  const out = messages(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  gatewayClassName: istio
  listeners:
  - { name: a, port: 443, protocol: HTTPS, tls: { mode: Passthrough } }
  - { name: b, port: 8443, protocol: TLS }
  - { name: c, port: 9443, protocol: TLS, tls: { mode: Terminate } }
  - { name: d, port: 9000, protocol: TCP, tls: { mode: Terminate, certificateRefs: [{ name: x }] } }
  - { name: e, port: 9001, protocol: TLS, tls: { mode: Passthrough, certificateRefs: [{ name: x }] } }
`);
  for (const path of [
    'listeners[0].tls.mode',
    'listeners[1].tls',
    'listeners[2].tls.certificateRefs',
    'listeners[3].tls',
    'listeners[4].tls.certificateRefs',
  ]) {
    assert.ok(
      out.some((m) => m.includes(`spec.${path}`)),
      `${path} missing in:\n${out.join('\n')}`,
    );
  }
  const good = messages(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  gatewayClassName: istio
  listeners:
  - { name: a, port: 443, protocol: HTTPS, tls: { certificateRefs: [{ name: cert }] } }
  - { name: b, port: 8443, protocol: TLS, tls: { mode: Passthrough } }
  - { name: c, port: 9000, protocol: TCP }
`);
  assert.deepEqual(good, []);
});
