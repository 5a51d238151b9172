// Round robin: exact rotation with equal weights, weight-proportional interleaving with unequal weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostSet } from '../host-set.js';
import { createLoadBalancer } from './index.js';
import { cluster, countPicks, seededRandom, share, simple } from './test-support.js';

test('equal weights rotate through every host in turn', () => {
  const c = cluster('ROUND_ROBIN');
  const lb = createLoadBalancer(c, new HostSet(c, simple(3)), seededRandom(1));
  const ports = Array.from({ length: 9 }, () => lb.choose({})!.address.port);
  // Whatever the random start, each window of 3 consecutive picks covers all three hosts.
  for (let i = 0; i + 3 <= ports.length; i++) assert.deepEqual(new Set(ports.slice(i, i + 3)).size, 3);
});

test('weights 1:3 get 25 % / 75 % of 20,000 picks within ±2 points', () => {
  const c = cluster('ROUND_ROBIN');
  const lb = createLoadBalancer(c, new HostSet(c, simple(2, [1, 3])), seededRandom(2));
  const counts = countPicks(lb, 20_000);
  assert.ok(Math.abs(share(counts, 1, 20_000) - 25) <= 2, `host 1 got ${share(counts, 1, 20_000)} %`);
  assert.ok(Math.abs(share(counts, 2, 20_000) - 75) <= 2);
});

test('weighted picks are interleaved, not bunched: weight 3 never gets 4 in a row against weight 1', () => {
  const c = cluster('ROUND_ROBIN');
  const lb = createLoadBalancer(c, new HostSet(c, simple(2, [1, 3])), seededRandom(3));
  let run = 0;
  for (let i = 0; i < 400; i++) {
    run = lb.choose({})!.address.port === 2 ? run + 1 : 0;
    assert.ok(run <= 3, `run of ${run}`);
  }
});
