import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CorsPolicy } from '../../../config/route.js';
import { StatsStore } from '../../../stats/store.js';
import { chainHasCors, corsCounters, evaluateCors } from './cors.js';

const policy: CorsPolicy = {
  allowOrigins: [
    { kind: 'exact', value: 'https://a.example', ignoreCase: false },
    { kind: 'suffix', value: '.b.example', ignoreCase: true },
  ],
  allowMethods: 'GET,POST',
  allowHeaders: 'x-h',
  exposeHeaders: 'x-e',
  maxAge: '60',
};

test('no policy or no Origin: nothing to do', () => {
  assert.deepEqual(evaluateCors(undefined, 'GET', ['origin', 'https://a.example']), { kind: 'none' });
  assert.deepEqual(evaluateCors(policy, 'GET', []), { kind: 'none' });
});

test('preflight from an allowed origin gets the policy headers', () => {
  const d = evaluateCors(policy, 'OPTIONS', [
    'origin',
    'https://X.B.EXAMPLE',
    'access-control-request-method',
    'GET',
  ]);
  assert.deepEqual(d, {
    kind: 'preflight',
    headers: [
      'access-control-allow-origin',
      'https://X.B.EXAMPLE',
      'access-control-allow-methods',
      'GET,POST',
      'access-control-allow-headers',
      'x-h',
      'access-control-max-age',
      '60',
    ],
  });
});

test('OPTIONS without Access-Control-Request-Method is an actual request', () => {
  const d = evaluateCors({ ...policy, allowCredentials: true }, 'OPTIONS', ['origin', 'https://a.example']);
  assert.deepEqual(d, {
    kind: 'actual',
    headers: [
      'access-control-allow-origin',
      'https://a.example',
      'access-control-allow-credentials',
      'true',
      'access-control-expose-headers',
      'x-e',
    ],
  });
});

test('other origins get nothing and are counted as invalid', () => {
  const store = new StatsStore();
  const c = corsCounters(store, 'in');
  assert.equal(corsCounters(store, 'in'), c);
  assert.deepEqual(evaluateCors(policy, 'GET', ['origin', 'https://a.example.evil'], c), { kind: 'none' });
  evaluateCors(policy, 'GET', ['origin', 'https://a.example'], c);
  assert.equal(store.counter('http.in.cors.origin_invalid').value, 1);
  assert.equal(store.counter('http.in.cors.origin_valid').value, 1);
});

test('chainHasCors looks for an enabled CORS filter by name or type', () => {
  assert.equal(chainHasCors([]), false);
  assert.equal(chainHasCors([{ name: 'envoy.filters.http.cors', config: {}, disabled: false }]), true);
  assert.equal(chainHasCors([{ name: 'envoy.filters.http.cors', config: {}, disabled: true }]), false);
  assert.equal(
    chainHasCors([
      { name: 'x', config: {}, disabled: false, typeName: 'envoy.extensions.filters.http.cors.v3.Cors' },
    ]),
    true,
  );
});
