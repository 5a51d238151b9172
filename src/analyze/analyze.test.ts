// Each analyzer on small in-memory YAML: the finding it reports (code, field, line, message), and silence
// where the configuration is sound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateText } from '../api/index.js';
import { analyzeResources, type Finding } from './index.js';

function analyze(yaml: string): Finding[] {
  const { resources, diagnostics } = validateText(yaml, 'case.yaml');
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
    'the case itself must be schema-valid',
  );
  return analyzeResources(resources);
}

const SERVICE = (name: string, ns = 'default') => `
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns} }
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: 9080 }]
---`;

const DR = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
    - { name: v1, labels: { version: v1 } }
---`;

test('IST0101: a missing gateway is reported at spec.gateways[i]', () => {
  const f = analyze(`${SERVICE('reviews')}
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  gateways:
    - mesh
    - nowhere-gateway
  http:
    - route: [{ destination: { host: reviews } }]
`);
  assert.equal(f.length, 1);
  assert.equal(f[0].code, 'IST0101');
  assert.equal(f[0].path, 'spec.gateways[1]');
  assert.equal(f[0].line, 16);
  assert.equal(f[0].message, 'Referenced gateway not found: "nowhere-gateway"');
  assert.equal(f[0].resource, 'VirtualService default/reviews');
});

test('IST0101: an existing Istio gateway (same namespace or ns/name) is found', () => {
  const f = analyze(`${SERVICE('reviews')}
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw, namespace: edge }
spec:
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  gateways: [edge/gw]
  http:
    - route: [{ destination: { host: reviews } }]
`);
  assert.deepEqual(f, []);
});

test('IST0101: a subset no DestinationRule defines, and an unknown host', () => {
  const f = analyze(`${SERVICE('reviews')}${DR}
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: { host: reviews, subset: v1 }
          weight: 50
        - destination: { host: reviews, subset: v9 }
          weight: 50
      match: [{ uri: { prefix: /r } }]
    - route: [{ destination: { host: ratings } }]
`);
  assert.deepEqual(
    f.map((x) => [x.code, x.path, x.message]),
    [
      [
        'IST0101',
        'spec.http[0].route[1].destination.subset',
        'Referenced host+subset in destinationrule not found: "reviews+v9"',
      ],
      ['IST0101', 'spec.http[1].route[0].destination.host', 'Referenced host not found: "ratings"'],
    ],
  );
  assert.match(f[0].suggestion ?? '', /add subset "v9" to DestinationRule default\/reviews/);
});

test('IST0130 and IST0131: rules after a catch-all, and repeated matches', () => {
  const f = analyze(`${SERVICE('reviews')}
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
    - match: [{ uri: { prefix: /a } }]
      route: [{ destination: { host: reviews } }]
    - name: again
      match: [{ name: first, uri: { prefix: /a } }]
      route: [{ destination: { host: reviews } }]
    - route: [{ destination: { host: reviews } }]
    - match: [{ uri: { prefix: /b } }]
      route: [{ destination: { host: reviews } }]
`);
  assert.deepEqual(
    f.map((x) => [x.code, x.level, x.path, x.message]),
    [
      [
        'IST0130',
        'Warning',
        'spec.http[1]',
        'VirtualService rule "again" not used (all matches used by prior rules).',
      ],
      [
        'IST0130',
        'Warning',
        'spec.http[3]',
        'VirtualService rule #3 not used (only the last rule can have no matches; rule #2 matches everything).',
      ],
      [
        'IST0131',
        'Info',
        'spec.http[1].match[0]',
        'VirtualService rule "again" match "first" is not used (duplicate/overlapping match in rule #0).',
      ],
    ],
  );
});

test('IST0109: two mesh VirtualServices for one host; exportTo "." in different namespaces does not conflict', () => {
  const vs = (name: string, ns: string, exportTo = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: ${ns} }
spec:
  hosts: [reviews.default.svc.cluster.local]
  ${exportTo}
  http: [{ route: [{ destination: { host: reviews.default.svc.cluster.local } }] }]
---`;
  const f = analyze(`${SERVICE('reviews')}${vs('a', 'default')}${vs('b', 'default')}`);
  assert.equal(f.length, 2);
  assert.ok(f.every((x) => x.code === 'IST0109'));
  assert.match(
    f[0].message,
    /The VirtualServices default\/a,default\/b associated with mesh gateway define the same host `reviews.default.svc.cluster.local`/,
  );
  const g = analyze(
    `${SERVICE('reviews')}${vs('a', 'x', 'exportTo: ["."]')}${vs('b', 'y', 'exportTo: ["."]')}`,
  );
  assert.deepEqual(g, []);
});

test('IST0132: a VirtualService host the bound Gateway does not accept', () => {
  const f = analyze(`${SERVICE('reviews')}
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: gw }
spec:
  servers: [{ port: { number: 80, name: http, protocol: HTTP }, hosts: ["*.example.com"] }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: edge }
spec:
  hosts: [shop.example.com, other.test]
  gateways: [gw]
  http: [{ route: [{ destination: { host: reviews } }] }]
`);
  assert.equal(f.length, 1);
  assert.equal(f[0].code, 'IST0132');
  assert.equal(
    f[0].message,
    'one or more host [other.test] defined in VirtualService default/edge not found in Gateway default/gw.',
  );
});

test('IST0127: a selector that picks no declared workload; silent when no workloads are declared', () => {
  const policy = `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-all, namespace: shop }
spec:
  selector: { matchLabels: { app: payment } }
  action: DENY
  rules: [{}]
`;
  assert.deepEqual(analyze(policy), []);
  const mesh = `
apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata: { name: local }
spec:
  services:
    - name: orders
      namespace: shop
      ports: [{ name: http, port: 8080 }]
      command: [node, orders.js]
---`;
  const f = analyze(mesh + policy);
  assert.equal(f.length, 1);
  assert.equal(f[0].code, 'IST0127');
  assert.equal(f[0].path, 'spec.selector.matchLabels');
  assert.equal(
    f[0].message,
    'No matching workloads for this resource with the following labels: app=payment',
  );
});

test('IST0113: DestinationRule DISABLE against a STRICT namespace; IST0128: SIMPLE TLS without a CA', () => {
  const f = analyze(`${SERVICE('reviews', 'shop')}
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: shop }
spec: { mtls: { mode: STRICT } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: plain, namespace: shop }
spec:
  host: reviews
  trafficPolicy: { tls: { mode: DISABLE } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ext, namespace: shop }
spec:
  host: api.example.com
  trafficPolicy: { tls: { mode: SIMPLE } }
`);
  assert.deepEqual(
    f.map((x) => x.code),
    ['IST0113', 'IST0128'],
  );
  assert.match(
    f[0].message,
    /mTLS for host reviews.shop.svc.cluster.local:\*.*"shop\/plain" specifies that mTLS must be false but the Policy object "shop\/default" specifies STRICT/,
  );
  assert.equal(f[0].path, 'spec.trafficPolicy.tls.mode');
});

test('IST0122: a regex RE2 rejects is an InvalidRegexp finding at its field; other schema errors are IST0106', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { analyzeFiles } = await import('./index.js');
  const dir = mkdtempSync(join(tmpdir(), 'trellis-ist0122-'));
  const file = join(dir, 'vs.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata: { name: reviews }',
      'spec:',
      '  hosts: [reviews]',
      '  http:',
      '    - match:',
      '        - uri:',
      '            regex: "^/(?!admin)"',
      '      route: [{ destination: { host: reviews }, weigth: 100 }]',
      '',
    ].join('\n'),
  );
  const { findings } = await analyzeFiles([file]);
  const regex = findings.find((f) => f.code === 'IST0122');
  assert.ok(regex, JSON.stringify(findings));
  assert.equal(regex.name, 'InvalidRegexp');
  assert.equal(regex.line, 9);
  assert.equal(regex.path, 'spec.http[0].match[0].uri.regex');
  const schema = findings.find((f) => f.code === 'IST0106');
  assert.ok(schema);
  assert.equal(schema.level, 'Error');
  assert.match(schema.message, /unknown field "weigth".*did you mean "weight"/);
});
