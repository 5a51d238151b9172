// The schema DSL: defaults, null as unset, snake_case keys, deprecation warnings, misplaced-field hints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveRetry, routeWeights } from './defaults.js';
import { arr, Ctx, enumOf, int, obj, str } from './schema.js';

const schema = obj({
  name: str().required(),
  mode: enumOf(['A', 'B']).default('A'),
  maxRetries: int({ min: 0 }),
  old: int().deprecated('use maxRetries'),
  inner: obj({ source: str() }),
  items: arr(obj({ deep: str() })),
});

test('defaults fill unset fields; null means unset; snake_case becomes camelCase', () => {
  const ctx = new Ctx();
  const v = schema.parse({ name: 'x', max_retries: '3', inner: null }, ctx, 'spec');
  assert.deepEqual(ctx.issues, []);
  assert.deepEqual(v, { name: 'x', maxRetries: 3, mode: 'A' });
});

test('required, deprecated and misplaced fields', () => {
  const ctx = new Ctx();
  const v = schema.parse({ old: 1, source: 'y' }, ctx, 'spec');
  assert.equal(v, undefined);
  assert.deepEqual(
    ctx.issues.map((i) => [i.severity, i.path, i.message]),
    [
      ['warning', 'spec.old', 'deprecated: use maxRetries'],
      ['error', 'spec.source', 'unknown field "source" (it belongs under "inner")'],
      ['error', 'spec.name', 'required field is missing'],
    ],
  );
  const ctx2 = new Ctx();
  schema.parse({ name: 'x', deep: 'z' }, ctx2, 'spec');
  assert.equal(ctx2.issues[0].message, 'unknown field "deep" (it belongs under "items")');
});

test('Istio retry defaults and route weights', () => {
  assert.deepEqual(effectiveRetry(undefined), {
    attempts: 2,
    retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
    perTryTimeoutMs: 0,
    retryRemoteLocalities: false,
  });
  assert.equal(effectiveRetry({ attempts: 3, perTryTimeout: '1.5s' }).perTryTimeoutMs, 1500);
  assert.deepEqual(routeWeights([{}]), [100]);
  assert.deepEqual(routeWeights([{ weight: 90 }, { weight: 10 }]), [90, 10]);
});
