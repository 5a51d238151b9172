// Ring hash: ring size and construction, stickiness, minimal disruption, weighted shares.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostSet } from '../host-set.js';
import { hashKey } from './hash.js';
import { createLoadBalancer } from './index.js';
import { buildRing, randomHash, ringIndex, ringPoint } from './ring-hash.js';
import { assignment, cluster, countPicks, seededRandom, share, simple } from './test-support.js';

test('the ring has the minimum size and each host its share of points', () => {
  const set = new HostSet(cluster('RING_HASH'), simple(4, [1, 1, 1, 1]));
  const ring = buildRing(set.hosts, 1024, 8 * 1024 * 1024);
  assert.equal(ring.high.length, 1024);
  for (const h of set.hosts) assert.equal(ring.hosts.filter((x) => x === h).length, 256);
  for (let i = 1; i < ring.high.length; i++) assert.ok(ringPoint(ring, i - 1) <= ringPoint(ring, i));
  const weighted = buildRing(new HostSet(cluster('RING_HASH'), simple(2, [1, 3])).hosts, 1024, 8 << 20);
  assert.equal(weighted.high.length, 1024);
  assert.equal(weighted.hosts.filter((h) => h.weight === 1).length, 256);
});

test('points sit at xxHash64("ip:port_i"), so a key equal to a point lands on that host', () => {
  const set = new HostSet(cluster('RING_HASH'), simple(3));
  const ring = buildRing(set.hosts, 1024, 8 << 20);
  const point = hashKey('10.0.0.1:2_5');
  assert.equal(ring.hosts[ringIndex(ring, point)].key, '10.0.0.1:2');
  const last = ring.high.length - 1;
  assert.equal(ringIndex(ring, ringPoint(ring, 17)), 17, 'a hash equal to a point maps to that point');
  assert.equal(ringIndex(ring, ringPoint(ring, 17) + 1n), 18, 'just past a point maps to the next');
  assert.equal(ringIndex(ring, ringPoint(ring, last) + 1n), 0, 'past the last point wraps to the first');
  assert.equal(ringIndex(ring, 0n), 0);
});

test('the maximum ring size caps the ring', () => {
  const set = new HostSet(cluster('RING_HASH'), simple(3));
  assert.equal(buildRing(set.hosts, 1024, 300).high.length, 300);
});

test('sticky: the same hash always picks the same host', () => {
  const c = cluster('RING_HASH');
  const lb = createLoadBalancer(c, new HostSet(c, simple(8)), seededRandom(31));
  const random = seededRandom(32);
  for (let k = 0; k < 200; k++) {
    const hash = hashKey(`user-${k}`);
    const first = lb.choose({ hash });
    for (let i = 0; i < 5; i++) assert.equal(lb.choose({ hash }), first);
    lb.choose({ hash: randomHash(random) }); // other traffic in between changes nothing
  }
});

// As in Envoy, the ring is rebuilt at about the same size for fewer hosts, so each remaining host gets
// about 1/N more points (103 → 114 here), which take over roughly another 1/N of the keys: the removed
// host's ~10 % move plus ~9 % captured by the new points. A reshuffle would move ~90 %.
test('removing one of 10 hosts remaps its keys and ~1/N more (< 22 % in all)', () => {
  const c = cluster('RING_HASH');
  const set = new HostSet(c, simple(10));
  const lb = createLoadBalancer(c, set, seededRandom(33));
  const keys = Array.from({ length: 5000 }, (_, k) => hashKey(`session-${k}`));
  const before = keys.map((hash) => lb.choose({ hash })!);
  const removed = set.hosts[4];
  set.update(assignment([{ endpoints: [1, 2, 3, 4, 6, 7, 8, 9, 10].map((port) => ({ port })) }]));
  const after = keys.map((hash) => lb.choose({ hash })!);
  let moved = 0;
  keys.forEach((_, i) => {
    if (before[i] === removed) assert.notEqual(after[i], removed);
    if (before[i] !== after[i]) moved++;
  });
  const owned = before.filter((h) => h === removed).length;
  assert.ok(owned > 0.05 * keys.length, `removed host owned ${owned}`);
  assert.ok(moved / keys.length < 0.22, `moved ${moved} of ${keys.length}`);
});

test('a host turning unhealthy moves its own keys and ~1/N more (< 22 %)', () => {
  const c = cluster('RING_HASH');
  const set = new HostSet(c, simple(10));
  const lb = createLoadBalancer(c, set, seededRandom(34));
  const keys = Array.from({ length: 2000 }, (_, k) => hashKey(`k${k}`));
  const before = keys.map((hash) => lb.choose({ hash })!);
  set.hosts[0].healthy = false;
  let moved = 0;
  keys.forEach((hash, i) => {
    const now = lb.choose({ hash })!;
    assert.notEqual(now, set.hosts[0]);
    if (now !== before[i]) moved++;
  });
  assert.ok(moved / keys.length < 0.22, `moved ${moved}`);
});

test('weights 1:3 split random keys 25 / 75 ± 3 points over 20,000 picks', () => {
  const c = cluster('RING_HASH');
  const lb = createLoadBalancer(c, new HostSet(c, simple(2, [1, 3])), seededRandom(35));
  const random = seededRandom(36);
  const counts = countPicks(lb, 20_000, () => ({ hash: randomHash(random) }));
  assert.ok(Math.abs(share(counts, 1, 20_000) - 25) <= 3, `${share(counts, 1, 20_000)} %`);
});

test('a retry avoiding the chosen host walks to the next host on the ring, the same one every time', () => {
  const c = cluster('RING_HASH');
  const set = new HostSet(c, simple(5));
  const lb = createLoadBalancer(c, set, seededRandom(37));
  const hash = hashKey('retry-me');
  const first = lb.choose({ hash })!;
  const second = lb.choose({ hash, avoid: new Set([first]) })!;
  assert.notEqual(second, first);
  for (let i = 0; i < 10; i++) assert.equal(lb.choose({ hash, avoid: new Set([first]) }), second);
});
