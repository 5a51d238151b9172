// Randomized invariants over many generated clusters: every policy returns a member host, returns an
// unhealthy host only from a level in panic, and returns nothing only when nothing may be returned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthStatus, LbPolicy } from '../../config/cluster.js';
import { HostSet } from '../host-set.js';
import { createLoadBalancer } from './index.js';
import { randomHash } from './ring-hash.js';
import { assignment, cluster, type LocalitySpec, seededRandom, ZONE_A, ZONE_B } from './test-support.js';

const POLICIES: LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'];
const STATUSES: HealthStatus[] = [
  'HEALTHY',
  'HEALTHY',
  'HEALTHY',
  'UNHEALTHY',
  'DEGRADED',
  'DRAINING',
  'UNKNOWN',
];

test('invariants hold for 150 random clusters under every policy', () => {
  const gen = seededRandom(99);
  const int = (n: number) => Math.floor(gen() * n);
  for (let round = 0; round < 150; round++) {
    let port = 1;
    const localities: LocalitySpec[] = Array.from({ length: 1 + int(4) }, () => ({
      priority: int(3),
      locality: gen() < 0.5 ? ZONE_A : ZONE_B,
      weight: int(4),
      endpoints: Array.from({ length: int(6) }, () => ({
        port: port++,
        weight: 1 + int(5),
        health: STATUSES[int(STATUSES.length)],
      })),
    }));
    const threshold = [0, 50, 50, 80][int(4)];
    const localityWeighted = gen() < 0.5;
    for (const policy of POLICIES) {
      // Small rings and tables keep 150 × 2 builds fast; the invariants do not depend on their size.
      const c = cluster(policy, {
        healthyPanicThreshold: threshold,
        localityWeighted,
        ringHash: { minimumRingSize: 64, maximumRingSize: 4096 },
        maglev: { tableSize: 251 },
      });
      const set = new HostSet(c, assignment(localities));
      const random = seededRandom(round);
      const lb = createLoadBalancer(c, set, random);
      const members = new Set(set.hosts);
      // Flip one host's health at random mid-way, as outlier detection would.
      for (let i = 0; i < 60; i++) {
        if (i === 30 && set.hosts.length > 0) set.hosts[int(set.hosts.length)].healthy = gen() < 0.5;
        const host = lb.choose({ hash: randomHash(random) });
        const where = `round ${round} ${policy}`;
        if (host === undefined) {
          const anyAvailable = set.hosts.some((h) => h.healthy);
          assert.ok(
            set.hosts.length === 0 || (!anyAvailable && threshold === 0),
            `${where}: no host returned`,
          );
          continue;
        }
        assert.ok(members.has(host), `${where}: returned a non-member`);
        if (!host.healthy)
          assert.ok(set.levels[host.priority].panic, `${where}: unhealthy host outside panic`);
      }
    }
  }
});
