// The conformance suite every load balancer passes: empty sets, health, avoid, updates, panic, priorities.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LbPolicy } from '../../config/cluster.js';
import { HostSet } from '../host-set.js';
import { createLoadBalancer } from './index.js';
import { randomHash } from './ring-hash.js';
import { assignment, cluster, seededRandom, simple } from './test-support.js';
import type { LbContext } from './types.js';

const POLICIES: LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'];

/** Ten endpoints on ports 1..10; those listed are UNHEALTHY. */
function tenWithUnhealthy(unhealthy: number[]) {
  return assignment([
    {
      endpoints: Array.from({ length: 10 }, (_, i) => ({
        port: i + 1,
        health: unhealthy.includes(i + 1) ? ('UNHEALTHY' as const) : ('HEALTHY' as const),
      })),
    },
  ]);
}

for (const policy of POLICIES) {
  describe(`${policy} conformance`, () => {
    const setup = (a = simple(10), threshold = 50) => {
      const c = cluster(policy, { healthyPanicThreshold: threshold });
      const hosts = new HostSet(c, a);
      const random = seededRandom(7);
      const lb = createLoadBalancer(c, hosts, random);
      // Hash policies see a fresh request hash per pick; the others ignore it.
      const ctx = (extra: LbContext = {}): LbContext => ({ hash: randomHash(random), ...extra });
      return { hosts, lb, ctx };
    };

    test('returns undefined when the cluster has no hosts', () => {
      const c = cluster(policy);
      assert.equal(createLoadBalancer(c, new HostSet(c, undefined), Math.random).choose({}), undefined);
      const { hosts, lb, ctx } = setup();
      hosts.update(assignment([{ endpoints: [] }]));
      assert.equal(lb.choose(ctx()), undefined);
    });

    test('never returns an unhealthy host while enough healthy hosts exist', () => {
      const { lb, ctx } = setup(tenWithUnhealthy([2, 5, 9]));
      const seen = new Set<number>();
      for (let i = 0; i < 3000; i++) {
        const host = lb.choose(ctx())!;
        assert.ok(host.healthy, `picked unhealthy ${host.key}`);
        seen.add(host.address.port);
      }
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        [1, 3, 4, 6, 7, 8, 10],
      );
    });

    test('reacts to a host turning unhealthy (and back) without an update', () => {
      const { hosts, lb, ctx } = setup();
      for (let i = 0; i < 50; i++) lb.choose(ctx());
      const ejected = hosts.hosts[3];
      ejected.healthy = false;
      for (let i = 0; i < 2000; i++) assert.notEqual(lb.choose(ctx()), ejected);
      ejected.healthy = true;
      let back = false;
      for (let i = 0; i < 2000 && !back; i++) back = lb.choose(ctx()) === ejected;
      assert.ok(back, 'a host that recovers is picked again');
    });

    test('honours avoid while another host is available, and still answers when all are avoided', () => {
      const { hosts, lb, ctx } = setup(simple(4));
      const avoid = new Set(hosts.hosts.slice(0, 3));
      for (let i = 0; i < 500; i++) assert.equal(lb.choose(ctx({ avoid })), hosts.hosts[3]);
      const all = new Set(hosts.hosts);
      assert.ok(lb.choose(ctx({ avoid: all })), 'retrying on an avoided host beats failing the request');
    });

    test('survives an update: removed hosts are never picked, added ones are, kept ones stay the same objects', () => {
      const { hosts, lb, ctx } = setup(simple(5));
      const kept = hosts.hosts[0];
      for (let i = 0; i < 100; i++) lb.choose(ctx());
      hosts.update(assignment([{ endpoints: [{ port: 1 }, { port: 20 }, { port: 21 }] }]));
      assert.equal(hosts.hosts[0], kept);
      const seen = new Set<number>();
      for (let i = 0; i < 3000; i++) seen.add(lb.choose(ctx())!.address.port);
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        [1, 20, 21],
      );
    });

    test('panic: below the threshold, balances across all hosts including unhealthy ones', () => {
      const { lb, ctx } = setup(tenWithUnhealthy([1, 2, 3, 4, 5, 6, 7]));
      const seen = new Set<number>();
      for (let i = 0; i < 3000; i++) seen.add(lb.choose(ctx())!.address.port);
      assert.equal(seen.size, 10);
    });

    test('with the panic threshold at 0 and no healthy host, returns undefined', () => {
      const { lb, ctx } = setup(tenWithUnhealthy([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0);
      assert.equal(lb.choose(ctx()), undefined);
    });

    test('spills over to priority 1 when priority 0 is down', () => {
      const { lb, ctx } = setup(
        assignment([
          {
            priority: 0,
            endpoints: [
              { port: 1, health: 'UNHEALTHY' },
              { port: 2, health: 'UNHEALTHY' },
            ],
          },
          { priority: 1, endpoints: [{ port: 3 }, { port: 4 }] },
        ]),
      );
      const seen = new Set<number>();
      for (let i = 0; i < 1000; i++) seen.add(lb.choose(ctx())!.address.port);
      assert.deepEqual([...seen].sort(), [3, 4]);
    });
  });
}
