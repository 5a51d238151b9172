import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shadowAuthority } from './mirror.js';

test('shadowAuthority suffixes the host part and keeps the port', () => {
  assert.equal(shadowAuthority('reviews:9080'), 'reviews-shadow:9080');
  assert.equal(
    shadowAuthority('reviews.default.svc.cluster.local'),
    'reviews.default.svc.cluster.local-shadow',
  );
  assert.equal(shadowAuthority('[::1]:80'), '[::1]-shadow:80');
  assert.equal(shadowAuthority('[::1]'), '[::1]-shadow');
  assert.equal(shadowAuthority('10.0.0.1:8080'), '10.0.0.1-shadow:8080');
});
