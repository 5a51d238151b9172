// Random: uniform over healthy hosts, ignoring host weights as Envoy does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostSet } from '../host-set.js';
import { createLoadBalancer } from './index.js';
import { cluster, countPicks, seededRandom, share, simple } from './test-support.js';

test('four hosts each get 25 % of 20,000 picks within ±2 points, whatever their weights', () => {
  const c = cluster('RANDOM');
  const lb = createLoadBalancer(c, new HostSet(c, simple(4, [1, 2, 3, 4])), seededRandom(11));
  const counts = countPicks(lb, 20_000);
  for (const port of [1, 2, 3, 4]) {
    assert.ok(
      Math.abs(share(counts, port, 20_000) - 25) <= 2,
      `port ${port}: ${share(counts, port, 20_000)} %`,
    );
  }
});

test('the sequence is not a rotation: some host repeats back to back', () => {
  const c = cluster('RANDOM');
  const lb = createLoadBalancer(c, new HostSet(c, simple(3)), seededRandom(12));
  const picks = Array.from({ length: 100 }, () => lb.choose({})!.address.port);
  assert.ok(picks.some((p, i) => i > 0 && p === picks[i - 1]));
});
