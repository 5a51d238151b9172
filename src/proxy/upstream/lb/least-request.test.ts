// Least request: P2C avoids busy hosts; with unequal weights, weight / (active + 1) decides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostSet } from '../host-set.js';
import { createLoadBalancer } from './index.js';
import { cluster, countPicks, seededRandom, share, simple } from './test-support.js';

test('P2C: idle hosts split traffic evenly (4 × 25 % ± 2 over 20,000 picks)', () => {
  const c = cluster('LEAST_REQUEST');
  const lb = createLoadBalancer(c, new HostSet(c, simple(4)), seededRandom(21));
  const counts = countPicks(lb, 20_000);
  for (const port of [1, 2, 3, 4]) assert.ok(Math.abs(share(counts, port, 20_000) - 25) <= 2);
});

test('P2C: the busiest of 4 hosts is picked only when both choices land on it (1/16 ± 1.5 points)', () => {
  const c = cluster('LEAST_REQUEST');
  const set = new HostSet(c, simple(4));
  set.hosts[0].activeRequests = 10;
  const lb = createLoadBalancer(c, set, seededRandom(22));
  const counts = countPicks(lb, 20_000);
  const busy = share(counts, 1, 20_000);
  assert.ok(Math.abs(busy - 6.25) <= 1.5, `busy host got ${busy} %`);
});

test('choice count 4 sees more of the cluster: the busy host almost never wins', () => {
  const c = cluster('LEAST_REQUEST', { leastRequest: { choiceCount: 4 } });
  const set = new HostSet(c, simple(4));
  set.hosts[0].activeRequests = 10;
  const counts = countPicks(createLoadBalancer(c, set, seededRandom(23)), 20_000);
  assert.ok(share(counts, 1, 20_000) < 1, `busy host got ${share(counts, 1, 20_000)} %`); // (1/4)^4 ≈ 0.4 %
});

test('weights 1:3 with no load split 25 / 75 ± 2 over 20,000 picks', () => {
  const c = cluster('LEAST_REQUEST');
  const counts = countPicks(
    createLoadBalancer(c, new HostSet(c, simple(2, [1, 3])), seededRandom(24)),
    20_000,
  );
  assert.ok(Math.abs(share(counts, 1, 20_000) - 25) <= 2);
});

test('weights 1:3 with 2 requests in flight on the heavy host even out (3 / (2+1) = 1) to 50 / 50 ± 2', () => {
  const c = cluster('LEAST_REQUEST');
  const set = new HostSet(c, simple(2, [1, 3]));
  set.hosts[1].activeRequests = 2;
  const counts = countPicks(createLoadBalancer(c, set, seededRandom(25)), 20_000);
  assert.ok(Math.abs(share(counts, 1, 20_000) - 50) <= 2, `${share(counts, 1, 20_000)} %`);
});
