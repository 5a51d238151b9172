// Traffic shares across priorities (overprovisioning spill-over), in panic, and across weighted localities.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthStatus } from '../../config/cluster.js';
import { HostSet } from '../host-set.js';
import { createLoadBalancer } from './index.js';
import { randomHash } from './ring-hash.js';
import { assignment, cluster, countPicks, seededRandom, ZONE_A, ZONE_B } from './test-support.js';

const N = 20_000;
const health = (healthy: number, i: number): HealthStatus => (i < healthy ? 'HEALTHY' : 'UNHEALTHY');

function shareOf(counts: Map<number, number>, ports: (p: number) => boolean): number {
  let n = 0;
  for (const [port, c] of counts) if (ports(port)) n += c;
  return (100 * n) / N;
}

test('half of P0 healthy: 70 % stays on P0 (50 × 1.4), 30 % spills to P1, ± 2 points', () => {
  const c = cluster('ROUND_ROBIN');
  const set = new HostSet(
    c,
    assignment([
      {
        priority: 0,
        endpoints: Array.from({ length: 10 }, (_, i) => ({ port: 100 + i, health: health(5, i) })),
      },
      { priority: 1, endpoints: Array.from({ length: 10 }, (_, i) => ({ port: 200 + i })) },
    ]),
  );
  const counts = countPicks(createLoadBalancer(c, set, seededRandom(51)), N);
  assert.ok(
    Math.abs(shareOf(counts, (p) => p < 200) - 70) <= 2,
    `P0 got ${shareOf(counts, (p) => p < 200)} %`,
  );
  // Only P0's healthy hosts (ports 100..104) take P0's share.
  assert.equal(
    shareOf(counts, (p) => p >= 105 && p < 200),
    0,
  );
});

test('a custom overprovisioning factor of 1.0 sends exactly the healthy share to P0', () => {
  const c = cluster('RANDOM');
  const set = new HostSet(
    c,
    assignment(
      [
        {
          priority: 0,
          endpoints: Array.from({ length: 10 }, (_, i) => ({ port: 100 + i, health: health(8, i) })),
        },
        { priority: 1, endpoints: [{ port: 200 }] },
      ],
      100,
    ),
  );
  const counts = countPicks(createLoadBalancer(c, set, seededRandom(52)), N);
  assert.ok(Math.abs(shareOf(counts, (p) => p < 200) - 80) <= 2);
});

test('panic: 3 of 10 healthy (30 % < 50 %) spreads evenly over all 10 hosts, ± 2 points each', () => {
  const c = cluster('ROUND_ROBIN');
  const set = new HostSet(
    c,
    assignment([
      { endpoints: Array.from({ length: 10 }, (_, i) => ({ port: i + 1, health: health(3, i) })) },
    ]),
  );
  const counts = countPicks(createLoadBalancer(c, set, seededRandom(53)), N);
  for (let port = 1; port <= 10; port++) assert.ok(Math.abs(shareOf(counts, (p) => p === port) - 10) <= 2);
});

test('a lower panic threshold (20 %) keeps 3 of 10 healthy out of panic', () => {
  const c = cluster('ROUND_ROBIN', { healthyPanicThreshold: 20 });
  const set = new HostSet(
    c,
    assignment([
      { endpoints: Array.from({ length: 10 }, (_, i) => ({ port: i + 1, health: health(3, i) })) },
    ]),
  );
  const counts = countPicks(createLoadBalancer(c, set, seededRandom(54)), N);
  assert.equal(
    shareOf(counts, (p) => p > 3),
    0,
  );
});

function twoZones(lbPolicy: 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM', healthyInB = 4) {
  const c = cluster(lbPolicy, { localityWeighted: true });
  const set = new HostSet(
    c,
    assignment([
      { locality: ZONE_A, weight: 1, endpoints: [{ port: 1 }, { port: 2 }] },
      {
        locality: ZONE_B,
        weight: 3,
        endpoints: [3, 4, 5, 6].map((port, i) => ({ port, health: health(healthyInB, i) })),
      },
    ]),
  );
  return countPicks(createLoadBalancer(c, set, seededRandom(55)), N);
}

test('locality weights 1:3 split traffic 25 / 75 ± 2 regardless of host counts', () => {
  for (const policy of ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const) {
    const counts = twoZones(policy);
    assert.ok(
      Math.abs(shareOf(counts, (p) => p <= 2) - 25) <= 2,
      `${policy}: ${shareOf(counts, (p) => p <= 2)}`,
    );
  }
});

test('a half-healthy locality loses weight: 1×100 vs 3×70 gives zone A 32.3 % ± 2', () => {
  const counts = twoZones('ROUND_ROBIN', 2);
  assert.ok(Math.abs(shareOf(counts, (p) => p <= 2) - 32.3) <= 2, `${shareOf(counts, (p) => p <= 2)}`);
  assert.equal(
    shareOf(counts, (p) => p === 5 || p === 6),
    0,
  );
});

test('without locality weighting, hosts share evenly across zones (2 of 6 hosts in zone A ≈ 33 %)', () => {
  const c = cluster('ROUND_ROBIN');
  const set = new HostSet(
    c,
    assignment([
      { locality: ZONE_A, weight: 1, endpoints: [{ port: 1 }, { port: 2 }] },
      { locality: ZONE_B, weight: 3, endpoints: [{ port: 3 }, { port: 4 }, { port: 5 }, { port: 6 }] },
    ]),
  );
  const counts = countPicks(createLoadBalancer(c, set, seededRandom(56)), N);
  assert.ok(Math.abs(shareOf(counts, (p) => p <= 2) - 33.3) <= 2);
});

test('Istio-style failover: local zone at P0, remote at P1; traffic fails over when P0 goes down', () => {
  const c = cluster('ROUND_ROBIN');
  const set = new HostSet(
    c,
    assignment([
      { priority: 0, locality: ZONE_A, endpoints: [{ port: 1 }, { port: 2 }] },
      { priority: 1, locality: ZONE_B, endpoints: [{ port: 3 }] },
    ]),
  );
  const lb = createLoadBalancer(c, set, seededRandom(57));
  assert.equal(
    shareOf(countPicks(lb, N), (p) => p === 3),
    0,
  );
  set.hosts[0].healthy = false;
  set.hosts[1].healthy = false;
  assert.equal(
    shareOf(countPicks(lb, N), (p) => p === 3),
    100,
  );
});

test('ring hash and maglev give weighted localities their share of keys (1:3 → 25 / 75 ± 3)', () => {
  for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
    const c = cluster(policy, { localityWeighted: true });
    const set = new HostSet(
      c,
      assignment([
        { locality: ZONE_A, weight: 1, endpoints: [{ port: 1 }, { port: 2 }, { port: 3 }] },
        { locality: ZONE_B, weight: 3, endpoints: [{ port: 4 }] },
      ]),
    );
    const random = seededRandom(58);
    const counts = countPicks(createLoadBalancer(c, set, seededRandom(59)), N, () => ({
      hash: randomHash(random),
    }));
    const zoneA = shareOf(counts, (p) => p <= 3);
    assert.ok(Math.abs(zoneA - 25) <= 3, `${policy}: zone A got ${zoneA} %`);
  }
});

test('degraded hosts receive only the overflow: 4 healthy + 6 degraded → 56 % ± 2 to the healthy four', () => {
  const c = cluster('ROUND_ROBIN');
  const set = new HostSet(
    c,
    assignment([
      {
        endpoints: Array.from({ length: 10 }, (_, i) => ({
          port: i + 1,
          health: i < 4 ? ('HEALTHY' as const) : ('DEGRADED' as const),
        })),
      },
    ]),
  );
  const counts = countPicks(createLoadBalancer(c, set, seededRandom(60)), N);
  assert.ok(Math.abs(shareOf(counts, (p) => p <= 4) - 56) <= 2, `${shareOf(counts, (p) => p <= 4)}`);
  for (let port = 5; port <= 10; port++) assert.ok(shareOf(counts, (p) => p === port) > 5);
});
