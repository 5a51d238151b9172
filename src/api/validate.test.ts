// Loading and validation: lines of fields, field paths, unknown fields, camelCase normalisation, kind lookup.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixturesDir } from './fixtures.test-util.js';
import {
  formatDiagnostic,
  lineOf,
  loadAndValidate,
  parseDocuments,
  validateDocument,
  validateText,
} from './index.js';
import type { VirtualServiceSpec } from './kinds/virtual-service.js';

const vs = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: payment-vs
  namespace: production
spec:
  hosts: [payment-svc]
  http:
${http}`;

function messages(text: string, file = 'x.yaml'): string[] {
  return validateText(text, file).diagnostics.map(formatDiagnostic);
}

test('the article VirtualService and DestinationRule validate cleanly', async () => {
  const { resources, diagnostics } = await loadAndValidate([
    fixturesDir('seed', 'payment-vs.yaml'),
    fixturesDir('seed', 'payment-dr.yaml'),
  ]);
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  assert.equal(resources.length, 2);
  const spec = resources[0].spec as VirtualServiceSpec;
  assert.equal(spec.http?.[1].route?.[1].weight, 10);
  assert.equal(spec.http?.[0].retries?.perTryTimeout, '3s');
  // the line of the field (`subset: canary` of rule 2), not of the document
  assert.equal(lineOf(resources[0], 'spec.http[1].route[1].destination.subset'), 47);
  assert.equal(resources[0].source.line, 1);
});

test('weights that do not add up name the line of the last weight', () => {
  const text = vs(`    - route:
        - destination: {host: payment-svc, subset: stable}
          weight: 90
        - destination: {host: payment-svc, subset: canary}
          weight: 20
`);
  assert.deepEqual(messages(text, 'payment-vs.yaml'), [
    'payment-vs.yaml:13: VirtualService production/payment-vs: spec.http[0].route[1].weight: weights of a route must add up to 100 (got 110)',
  ]);
});

test('unknown fields are errors with a hint; snake_case is accepted as camelCase', () => {
  const text = vs(`    - route:
        - destination: {host: payment-svc}
      retrys: {attempts: 3}
      mirror_percentage: {value: 5}
      mirror: {host: payment-svc}
`);
  assert.deepEqual(messages(text), [
    'x.yaml:11: VirtualService production/payment-vs: spec.http[0].retrys: unknown field "retrys" (did you mean "retries"?)',
  ]);
  const ok = validateText(text.replace('retrys', 'retries'), 'x.yaml');
  assert.deepEqual(ok.diagnostics, []);
  const spec = ok.resources[0].spec as VirtualServiceSpec;
  assert.equal(spec.http?.[0].mirrorPercentage?.value, 5);
  assert.equal(lineOf(ok.resources[0], 'spec.http[0].mirrorPercentage.value'), 12);
});

test('string matches are oneofs, regexes are RE2, durations parse', () => {
  const text = vs(`    - match:
        - uri: {prefix: /a, exact: /a}
        - uri: {regex: "(?=x)"}
      timeout: 5
      route:
        - destination: {host: payment-svc}
`);
  const out = messages(text);
  assert.equal(out.length, 3);
  assert.match(
    out[0],
    /x\.yaml:10: .*spec\.http\[0\]\.match\[0\]\.uri: exactly one of exact, prefix, regex must be set \(got exact and prefix\)/,
  );
  assert.match(out[1], /x\.yaml:11: .*spec\.http\[0\]\.match\[1\]\.uri\.regex: invalid RE2 regex/);
  assert.match(
    out[2],
    /x\.yaml:12: .*spec\.http\[0\]\.timeout: expected a duration such as "5s", got number 5 \(add a unit: "5s"\)/,
  );
});

test('duplicate subsets and enum typos in a DestinationRule', () => {
  const text = `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: payment-svc
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBBIN}
  subsets:
    - name: v1
      labels: {version: v1}
    - name: v1
      labels: {version: v2}
`;
  assert.deepEqual(messages(text), [
    'x.yaml:7: DestinationRule default/dr: spec.trafficPolicy.loadBalancer.simple: must be one of UNSPECIFIED, LEAST_CONN, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST (got "ROUND_ROBBIN") (did you mean "ROUND_ROBIN"?)',
    'x.yaml:11: DestinationRule default/dr: spec.subsets[1].name: duplicate subset name "v1" (first defined at subsets[0])',
  ]);
});

test('unknown kinds and versions', () => {
  assert.deepEqual(
    messages('apiVersion: networking.istio.io/v1\nkind: VirtualServce\nmetadata: {name: a}\nspec: {}\n'),
    [
      'x.yaml:2: VirtualServce default/a: kind: unknown kind "VirtualServce" (did you mean "VirtualService"?)',
    ],
  );
  assert.match(
    messages('apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata: {name: a}\nspec: {}\n')[0],
    /apiVersion: VirtualService is not served by "networking.istio.io\/v2" \(use networking.istio.io\/v1, /,
  );
});

test('multi-document text, JSON, Lists and YAML syntax errors keep their lines', () => {
  const { documents, errors } = parseDocuments('a: 1\n---\n# only a comment\n---\n\nb: 2\n', 'm.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual(
    documents.map((d) => d.line),
    [1, 6],
  );
  const json = parseDocuments('[\n {"kind": "A"},\n {"kind": "B"}\n]', 'l.json');
  assert.deepEqual(
    json.documents.map((d) => [d.line, (d.data as { kind: string }).kind]),
    [
      [2, 'A'],
      [3, 'B'],
    ],
  );
  const list = parseDocuments('kind: List\nitems:\n  - kind: A\n  - kind: B\n    x: 1\n', 'l.yaml');
  assert.deepEqual(
    list.documents.map((d) => d.line),
    [3, 4],
  );
  assert.equal(lineOf(list.documents[1], 'x'), 5);
  const bad = parseDocuments('a: 1\nb: [1, 2\nc: 3\n', 'bad.yaml');
  assert.equal(bad.errors[0].severity, 'error');
  assert.equal(bad.errors[0].file, 'bad.yaml');
  assert.ok(bad.errors[0].line >= 2);
});

test('validateDocument returns no resource when there are errors', () => {
  const doc = parseDocuments(vs('    - route: []\n'), 'x.yaml').documents[0];
  const r = validateDocument(doc);
  assert.equal(r.resource, undefined);
  assert.match(formatDiagnostic(r.diagnostics[0]), /spec\.http\[0\]\.route: must have at least 1 item/);
});
