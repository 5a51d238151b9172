// Label syntax and selector matching.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatSelector,
  labelKeyError,
  labelsMatch,
  labelValueError,
  requirementError,
  selectorMatches,
} from './labels.js';

test('label keys and values', () => {
  for (const k of ['app', 'app.kubernetes.io/name', 'version', 'a_b.c-d'])
    assert.equal(labelKeyError(k), undefined, k);
  assert.match(labelKeyError('-app') ?? '', /invalid label key/);
  assert.match(labelKeyError('Foo_Bar/x') ?? '', /prefix/);
  assert.match(labelKeyError('x'.repeat(64)) ?? '', /1-63/);
  assert.equal(labelValueError(''), undefined);
  assert.equal(labelValueError('v1'), undefined);
  assert.match(labelValueError('has space') ?? '', /invalid label value/);
});

test('matchLabels is a subset match', () => {
  assert.ok(labelsMatch({ app: 'payment' }, { app: 'payment', version: 'v1' }));
  assert.ok(!labelsMatch({ app: 'payment', version: 'v2' }, { app: 'payment', version: 'v1' }));
  assert.ok(labelsMatch(undefined, {}));
});

test('matchExpressions operators', () => {
  const labels = { app: 'payment', version: 'v1' };
  assert.ok(
    selectorMatches({ matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] }, labels),
  );
  assert.ok(
    !selectorMatches({ matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['v1'] }] }, labels),
  );
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels));
  assert.ok(
    selectorMatches(
      { matchLabels: { app: 'payment' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] },
      labels,
    ),
  );
  assert.equal(
    requirementError({ key: 'a', operator: 'In', values: [] }),
    'operator In needs at least one value',
  );
  assert.equal(
    requirementError({ key: 'a', operator: 'Exists', values: ['x'] }),
    'operator Exists takes no values',
  );
  assert.equal(
    formatSelector({
      matchLabels: { app: 'p' },
      matchExpressions: [{ key: 'v', operator: 'In', values: ['1', '2'] }],
    }),
    'app=p,v in (1,2)',
  );
});
