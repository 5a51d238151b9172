// applyText/deleteText: what the control plane's apply API does with `trellis apply -f` and `trellis delete -f`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic, validateText } from '../api/index.js';
import { applyText, deleteText } from './apply-text.js';
import { MemoryConfigStore } from './memory-store.js';

const GOOD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {host: reviews, subset: v1}
`;
const BAD = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: prod}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBBIN}
`;

describe('applyText', () => {
  it('applies valid documents and refuses invalid ones with exactly analyze’s messages', async () => {
    const store = new MemoryConfigStore();
    const text = `${GOOD}---\n${BAD}`;
    const { results, diagnostics } = await applyText(store, text, 'routes.yaml');
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      results.map((r) => [r.key.kind, r.key.namespace, r.key.name, r.action]),
      [
        ['networking.istio.io/VirtualService', 'default', 'reviews', 'created'],
        ['networking.istio.io/DestinationRule', 'prod', 'reviews', 'rejected'],
      ],
    );
    const analyzed = validateText(text, 'routes.yaml').diagnostics.map(formatDiagnostic);
    assert.ok(analyzed.length > 0);
    assert.deepEqual(results[1].diagnostics.map(formatDiagnostic), analyzed);
    assert.match(analyzed[0], /^routes\.yaml:16: .*spec\.trafficPolicy\.loadBalancer\.simple/);
    assert.equal(store.get('DestinationRule', 'prod', 'reviews'), undefined);
    // Applying the same text again changes nothing.
    const again = await applyText(store, GOOD, 'routes.yaml');
    assert.equal(again.results[0].action, 'unchanged');
  });

  it('reports YAML syntax errors of the text', async () => {
    const store = new MemoryConfigStore();
    const { results, diagnostics } = await applyText(store, 'kind: [unclosed\n', 'x.yaml');
    assert.deepEqual(results, []);
    assert.ok(diagnostics.some((d) => d.severity === 'error' && d.file === 'x.yaml'));
  });
});

describe('deleteText', () => {
  it('deletes what the documents name, even documents that would not validate', async () => {
    const store = new MemoryConfigStore();
    await applyText(store, GOOD, 'a.yaml');
    const { results } = await deleteText(store, `${GOOD}---\n${BAD}`, 'a.yaml');
    assert.deepEqual(
      results.map((r) => [r.key.name, r.deleted]),
      [
        ['reviews', true],
        ['reviews', false],
      ],
    );
    assert.deepEqual(store.all(), []);
  });
});
