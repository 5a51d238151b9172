// HostSet: stable host objects across updates, lazy health refresh, Envoy's priority load and panic mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsHostnames, HostSet, hostKey, resolveDnsAssignment } from './host-set.js';
import { assignment, cluster, simple } from './lb/test-support.js';

test('keys are ip:port, IPv6 bracketed', () => {
  assert.equal(hostKey({ host: '10.0.0.1', port: 80 }), '10.0.0.1:80');
  assert.equal(hostKey({ host: '::1', port: 80 }), '[::1]:80');
});

test('hosts keep their object, health and active requests across an update', () => {
  const set = new HostSet(cluster('ROUND_ROBIN'), simple(3));
  const [h1, h2] = set.hosts;
  h1.activeRequests = 5;
  h2.healthy = false; // e.g. ejected by outlier detection
  set.update(simple(4, [7, 1, 1, 1]));
  assert.equal(set.hosts.length, 4);
  assert.equal(set.hosts[0], h1);
  assert.equal(set.hosts[0].activeRequests, 5);
  assert.equal(set.hosts[0].weight, 7, 'weight follows the new assignment');
  assert.equal(set.hosts[1], h2);
  assert.equal(set.hosts[1].healthy, false, 'unchanged EDS health does not undo an ejection');
  set.update(simple(1));
  assert.deepEqual(
    set.hosts.map((h) => h.key),
    ['10.0.0.1:1'],
  );
  assert.equal(set.get('10.0.0.1:2'), undefined);
});

test('an EDS health change flips healthy', () => {
  const set = new HostSet(cluster('ROUND_ROBIN'), simple(2));
  const h2 = set.hosts[1];
  set.update(assignment([{ endpoints: [{ port: 1 }, { port: 2, health: 'UNHEALTHY' }] }]));
  assert.equal(h2.healthy, false);
  set.update(assignment([{ endpoints: [{ port: 1 }, { port: 2, health: 'HEALTHY' }] }]));
  assert.equal(h2.healthy, true);
});

test('flipping healthy is seen on the next pick without calling update', () => {
  const set = new HostSet(cluster('ROUND_ROBIN'), simple(2));
  const v = set.version;
  set.hosts[0].healthy = false;
  const level = set.choosePriority(0)!;
  assert.ok(set.version > v);
  assert.deepEqual(level.healthyHosts, [set.hosts[1]]);
});

function twoLevels(healthyP0: number, ofP0: number, healthyP1 = 10, ofP1 = 10, threshold = 50) {
  const endpoints = (healthy: number, total: number, base: number) =>
    Array.from({ length: total }, (_, i) => ({
      port: base + i,
      health: i < healthy ? ('HEALTHY' as const) : ('UNHEALTHY' as const),
    }));
  const set = new HostSet(
    cluster('ROUND_ROBIN', { healthyPanicThreshold: threshold }),
    assignment([
      { priority: 0, endpoints: endpoints(healthyP0, ofP0, 100) },
      { priority: 1, endpoints: endpoints(healthyP1, ofP1, 200) },
    ]),
  );
  return set.levels.map((l) => [l.load, l.panic]);
}

test('priority load follows Envoy: health × 1.4, capped at 100, rest spills to P1', () => {
  assert.deepEqual(twoLevels(10, 10), [
    [100, false],
    [0, false],
  ]);
  assert.deepEqual(twoLevels(8, 10), [
    [100, false],
    [0, false],
  ]); // 80 % × 1.4 > 100
  assert.deepEqual(twoLevels(7, 10), [
    [98, false],
    [2, false],
  ]);
  assert.deepEqual(twoLevels(5, 10), [
    [70, false],
    [30, false],
  ]);
  assert.deepEqual(twoLevels(1, 10), [
    [14, false],
    [86, false],
  ]);
  assert.deepEqual(twoLevels(0, 10), [
    [0, false],
    [100, false],
  ]);
});

test('below 100 % total availability, normalization and per-level panic apply', () => {
  // P0 20 % healthy (health 28), P1 50 % (health 70): total 98, so loads are 28/98 and 70/98 of 100 (the
  // rounding remainder goes to P0); P0 is below the 50 % panic threshold and P1 is not.
  assert.deepEqual(twoLevels(2, 10, 5, 10), [
    [29, true],
    [71, false],
  ]);
});

test('total panic spreads by host count; threshold 0 disables panic', () => {
  assert.deepEqual(twoLevels(1, 10, 1, 30), [
    [25, true],
    [75, true],
  ]);
  // Without panic: health 14 and 4, normalized over 18.
  assert.deepEqual(twoLevels(1, 10, 1, 30, 0), [
    [78, false],
    [22, false],
  ]);
});

test('DNS clusters: STRICT_DNS makes a host per address, LOGICAL_DNS only the first; hosts survive re-resolution', () => {
  const dns = (type: 'STRICT_DNS' | 'LOGICAL_DNS') => ({
    ...cluster('ROUND_ROBIN'),
    type,
    loadAssignment: assignment([
      {
        endpoints: [
          { host: 'reviews.local', port: 9080 },
          { host: '10.9.9.9', port: 9080 },
        ],
      },
    ]),
  });
  const strict = dns('STRICT_DNS');
  assert.deepEqual(dnsHostnames(strict), ['reviews.local']);
  assert.deepEqual(
    new HostSet(strict, undefined).hosts.map((h) => h.key),
    ['10.9.9.9:9080'],
    'before resolution only IP literals are hosts',
  );
  const table = new Map([['reviews.local', ['10.0.0.1', '10.0.0.2']]]);
  const set = new HostSet(
    strict,
    resolveDnsAssignment(strict, (n) => table.get(n)),
  );
  assert.deepEqual(
    set.hosts.map((h) => h.key),
    ['10.0.0.1:9080', '10.0.0.2:9080', '10.9.9.9:9080'],
  );
  const kept = set.hosts[1];
  table.set('reviews.local', ['10.0.0.2', '10.0.0.3']);
  set.update(resolveDnsAssignment(strict, (n) => table.get(n)));
  assert.deepEqual(
    set.hosts.map((h) => h.key),
    ['10.0.0.2:9080', '10.0.0.3:9080', '10.9.9.9:9080'],
  );
  assert.equal(set.hosts[0], kept);

  const logical = dns('LOGICAL_DNS');
  const one = new HostSet(
    logical,
    resolveDnsAssignment(logical, (n) => table.get(n)),
  );
  assert.deepEqual(
    one.hosts.map((h) => h.key),
    ['10.0.0.2:9080', '10.9.9.9:9080'],
  );
  assert.equal(
    new HostSet(
      strict,
      resolveDnsAssignment(strict, () => undefined),
    ).hosts.length,
    1,
    'unresolved names contribute no hosts',
  );
});

test('health failure reasons: an EDS update cannot undo an ejection, nor the ejection ending undo EDS', () => {
  const c = cluster('ROUND_ROBIN');
  const set = new HostSet(c, simple(2));
  const h = set.hosts[0];
  set.setHealthFailure(h, 'outlier', true);
  assert.equal(h.healthy, false);
  assert.deepEqual(set.healthFlags(h), ['failed_outlier_check']);
  set.update(assignment([{ endpoints: [{ port: 1, health: 'UNHEALTHY' }, { port: 2 }] }]));
  set.update(assignment([{ endpoints: [{ port: 1, health: 'HEALTHY' }, { port: 2 }] }]));
  assert.equal(h.healthy, false, 'still ejected');
  set.update(assignment([{ endpoints: [{ port: 1, health: 'UNHEALTHY' }, { port: 2 }] }]));
  set.setHealthFailure(h, 'outlier', false);
  assert.equal(h.healthy, false, 'EDS still says unhealthy');
  assert.deepEqual(set.healthFlags(h), ['failed_eds_health']);
  set.update(assignment([{ endpoints: [{ port: 1 }, { port: 2 }] }]));
  assert.equal(h.healthy, true);
  assert.deepEqual(set.healthFlags(h), []);
});

test('DEGRADED hosts take only the load healthy hosts cannot (Envoy): 4 healthy + 6 degraded → 56 / 44', () => {
  const statuses = (healthy: number, degraded: number) =>
    Array.from({ length: healthy + degraded }, (_, i) => ({
      port: i + 1,
      health: i < healthy ? ('HEALTHY' as const) : ('DEGRADED' as const),
    }));
  const mixed = new HostSet(cluster('ROUND_ROBIN'), assignment([{ endpoints: statuses(4, 6) }]));
  assert.deepEqual(
    mixed.levels.map((l) => [l.load, l.degradedLoad, l.panic]),
    [[56, 44, false]],
  );
  const mostlyHealthy = new HostSet(cluster('ROUND_ROBIN'), assignment([{ endpoints: statuses(8, 2) }]));
  assert.deepEqual(
    mostlyHealthy.levels.map((l) => [l.load, l.degradedLoad]),
    [[100, 0]],
  );
  // Healthy hosts of a lower priority come before degraded hosts of a higher one.
  const spill = new HostSet(
    cluster('ROUND_ROBIN'),
    assignment([
      { priority: 0, endpoints: statuses(0, 4) },
      { priority: 1, endpoints: [{ port: 50 }] },
    ]),
  );
  assert.deepEqual(
    spill.levels.map((l) => [l.load, l.degradedLoad]),
    [
      [0, 0],
      [100, 0],
    ],
  );
});
