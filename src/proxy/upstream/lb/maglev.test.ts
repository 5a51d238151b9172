// Maglev: table fill by weight, stickiness, minimal disruption when a host leaves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostSet } from '../host-set.js';
import { hashKey } from './hash.js';
import { createLoadBalancer } from './index.js';
import { buildMaglevTable, DEFAULT_MAGLEV_TABLE_SIZE } from './maglev.js';
import { randomHash } from './ring-hash.js';
import { assignment, cluster, countPicks, seededRandom, share, simple } from './test-support.js';

function slotShares(weights: number[], size = DEFAULT_MAGLEV_TABLE_SIZE) {
  const set = new HostSet(cluster('MAGLEV'), simple(weights.length, weights));
  const table = buildMaglevTable(set.hosts, size);
  const counts = new Array(weights.length).fill(0);
  for (const slot of table.slots) counts[slot]++;
  return counts.map((c) => (100 * c) / size);
}

test('equal weights fill the 65,537-slot table evenly (each of 5 hosts 20 % ± 0.1)', () => {
  for (const s of slotShares([1, 1, 1, 1, 1])) assert.ok(Math.abs(s - 20) <= 0.1, `${s}`);
});

test('weights 1:3 own 25 % / 75 % of the slots ± 0.1 point', () => {
  const [light, heavy] = slotShares([1, 3]);
  assert.ok(Math.abs(light - 25) <= 0.1, `${light}`);
  assert.ok(Math.abs(heavy - 75) <= 0.1);
});

test('random keys follow the weights: 1:3 gives 25 / 75 ± 2 over 20,000 picks', () => {
  const c = cluster('MAGLEV');
  const lb = createLoadBalancer(c, new HostSet(c, simple(2, [1, 3])), seededRandom(41));
  const random = seededRandom(42);
  const counts = countPicks(lb, 20_000, () => ({ hash: randomHash(random) }));
  assert.ok(Math.abs(share(counts, 1, 20_000) - 25) <= 2);
});

test('sticky: the same hash always picks the same host', () => {
  const c = cluster('MAGLEV');
  const lb = createLoadBalancer(c, new HostSet(c, simple(7)), seededRandom(43));
  for (let k = 0; k < 300; k++) {
    const hash = hashKey(`user-${k}`);
    const first = lb.choose({ hash });
    for (let i = 0; i < 3; i++) assert.equal(lb.choose({ hash }), first);
  }
});

test('removing one of 10 hosts remaps about 1/10 of the keys (< 15 %), all of the removed host’s', () => {
  const c = cluster('MAGLEV');
  const set = new HostSet(c, simple(10));
  const lb = createLoadBalancer(c, set, seededRandom(44));
  const keys = Array.from({ length: 5000 }, (_, k) => hashKey(`session-${k}`));
  const before = keys.map((hash) => lb.choose({ hash })!);
  const removed = set.hosts[6];
  set.update(assignment([{ endpoints: [1, 2, 3, 4, 5, 6, 8, 9, 10].map((port) => ({ port })) }]));
  let moved = 0;
  keys.forEach((hash, i) => {
    const now = lb.choose({ hash })!;
    assert.notEqual(now, removed);
    if (now !== before[i]) moved++;
  });
  assert.ok(moved / keys.length > 0.05 && moved / keys.length < 0.15, `moved ${moved}`);
});

test('a small prime table size from the cluster config is used', () => {
  const c = cluster('MAGLEV', { maglev: { tableSize: 251 } });
  const set = new HostSet(c, simple(3));
  const lb = createLoadBalancer(c, set, seededRandom(45));
  // hash and hash + 251 fall in the same slot.
  for (let k = 0n; k < 50n; k++)
    assert.equal(lb.choose({ hash: k * 1000n }), lb.choose({ hash: k * 1000n + 251n }));
});
