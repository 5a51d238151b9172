// Short-name resolution as Kubernetes' DNS search path does it, with and without a registry to check against.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostCandidates, resolveHost } from './host.js';

describe('resolveHost', () => {
  it('expands short and namespace-qualified names', () => {
    assert.equal(resolveHost('reviews', 'default'), 'reviews.default.svc.cluster.local');
    assert.equal(resolveHost('reviews.prod', 'default'), 'reviews.prod.svc.cluster.local');
    assert.equal(resolveHost('reviews.prod.svc', 'default'), 'reviews.prod.svc.cluster.local');
    assert.equal(resolveHost('reviews.prod.svc.cluster.local', 'default'), 'reviews.prod.svc.cluster.local');
  });

  it('uses the configured domain', () => {
    assert.equal(resolveHost('reviews', 'prod', 'mesh.internal'), 'reviews.prod.svc.mesh.internal');
    assert.equal(resolveHost('reviews.prod', 'default', 'mesh.internal'), 'reviews.prod.svc.mesh.internal');
  });

  it('keeps FQDNs, wildcards, IPs and trailing-dot names', () => {
    assert.equal(resolveHost('api.example.com', 'default'), 'api.example.com');
    assert.equal(resolveHost('*.example.com', 'default'), '*.example.com');
    assert.equal(resolveHost('*', 'default'), '*');
    assert.equal(resolveHost('10.0.0.1', 'default'), '10.0.0.1');
    assert.equal(resolveHost('::1', 'default'), '::1');
    assert.equal(resolveHost('example.com.', 'default'), 'example.com');
  });

  it('with a lookup, a two-label name that is no service stays as written', () => {
    const known = new Set(['reviews.prod.svc.cluster.local']);
    const exists = (h: string) => known.has(h);
    assert.equal(
      resolveHost('reviews.prod', 'default', 'cluster.local', exists),
      'reviews.prod.svc.cluster.local',
    );
    assert.equal(resolveHost('example.com', 'default', 'cluster.local', exists), 'example.com');
    assert.deepEqual(hostCandidates('example.com', 'default'), [
      'example.com.svc.cluster.local',
      'example.com',
    ]);
  });
});
