// Host syntax, short-name resolution and wildcard matching, as Istio defines them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostError, hostMatches, hostsOverlap, isShortName, namespacedHostError, toFqdn } from './host.js';

test('accepts FQDNs, wildcards, short names and IPs', () => {
  for (const h of [
    'payment-svc',
    'api.astratech.ae',
    '*',
    '*.example.com',
    'reviews.default.svc.cluster.local',
    '10.0.0.1',
  ]) {
    assert.equal(hostError(h), undefined, h);
  }
});

test('rejects malformed hosts with the reason', () => {
  assert.match(hostError('a..b') ?? '', /label ""/);
  assert.match(hostError('foo.*.com') ?? '', /wildcard may only be the first label/);
  assert.match(hostError('-bad.com') ?? '', /label "-bad"/);
  assert.match(hostError('under_score.com') ?? '', /under_score/);
  assert.match(hostError('*', { wildcard: false }) ?? '', /not allowed/);
  assert.match(hostError('payment', { shortName: false }) ?? '', /fully qualified/);
  assert.equal(hostError(''), 'host must not be empty');
});

test('namespace/host references', () => {
  for (const h of [
    './*',
    'istio-system/*',
    'monitoring/prometheus.monitoring.svc.cluster.local',
    '*/*.example.com',
    '~/*',
  ]) {
    assert.equal(namespacedHostError(h, true), undefined, h);
  }
  assert.match(namespacedHostError('prometheus', true) ?? '', /namespace\/host/);
  assert.match(namespacedHostError('Bad_NS/*', true) ?? '', /invalid namespace/);
  assert.equal(namespacedHostError('api.example.com', false), undefined);
});

test('short names resolve against the namespace and cluster.local', () => {
  assert.ok(isShortName('payment-svc'));
  assert.ok(!isShortName('payment-svc.production'));
  assert.equal(toFqdn('payment-svc', 'production'), 'payment-svc.production.svc.cluster.local');
  assert.equal(
    toFqdn('payment-svc', 'production', 'mesh.internal'),
    'payment-svc.production.svc.mesh.internal',
  );
  assert.equal(toFqdn('api.astratech.ae', 'production'), 'api.astratech.ae');
  assert.equal(toFqdn('*', 'production'), '*');
});

test('wildcard matching', () => {
  assert.ok(hostMatches('*', 'anything.example.com'));
  assert.ok(hostMatches('*.example.com', 'a.example.com'));
  assert.ok(hostMatches('*.example.com', 'a.b.example.com'));
  assert.ok(!hostMatches('*.example.com', 'example.com'));
  assert.ok(hostMatches('*.example.com', '*.a.example.com'));
  assert.ok(!hostMatches('*.a.example.com', '*.example.com'));
  assert.ok(hostMatches('API.Example.com', 'api.example.com'));
  assert.ok(!hostMatches('a.example.com', 'b.example.com'));
  assert.ok(hostsOverlap('*.a.example.com', '*.example.com'));
  assert.ok(!hostsOverlap('*.a.com', '*.b.com'));
});
