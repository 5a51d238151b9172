// ClusterResilience: pool limits that move the breaker gauges, outlier detection started only when
// configured and stopped on close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import { LoggerRegistry } from '../../common/logger.js';
import { SeededRandom } from '../../common/random.js';
import { StatsStore } from '../stats/store.js';
import { ClusterResilience } from './cluster-resilience.js';
import { HostSet } from './host-set.js';
import { cluster, simple } from './lb/test-support.js';
import { DEFAULT_OUTLIER_DETECTION } from './outlier/types.js';

test('pool limit counts drive the breaker gauges', () => {
  const store = new StatsStore();
  const c = {
    ...cluster('ROUND_ROBIN'),
    circuitBreakers: [
      {
        priority: 'DEFAULT' as const,
        maxConnections: 2,
        maxPendingRequests: 1,
        maxRequests: 9,
        maxRetries: 3,
      },
    ],
    maxRequestsPerConnection: 7,
  };
  const r = new ClusterResilience(c, new HostSet(c, simple(1)), {
    store,
    statPrefix: 'cluster.test',
    clock: new VirtualClock(),
    random: new SeededRandom(1),
  });
  const limits = r.poolLimits;
  assert.equal(limits.maxConnections, 2);
  assert.equal(limits.maxRequestsPerConnection, 7);
  limits.connections++;
  limits.connections++;
  limits.pending++;
  const g = (n: string) => store.gauges.get(`cluster.test.circuit_breakers.default.${n}`)?.value;
  assert.equal(g('remaining_cx'), 0);
  assert.equal(g('cx_open'), 1);
  assert.equal(g('remaining_pending'), 0);
  limits.connections--;
  limits.pending--;
  assert.deepEqual([g('remaining_cx'), g('cx_open'), g('remaining_pending')], [1, 0, 1]);
  assert.equal(r.outlier, undefined);
});

test('outlier detection runs when configured, logs and re-counts healthy members, stops on close', () => {
  const clock = new VirtualClock();
  const c = {
    ...cluster('ROUND_ROBIN'),
    outlierDetection: { ...DEFAULT_OUTLIER_DETECTION, maxEjectionPercent: 100 },
  };
  const hostSet = new HostSet(c, simple(2));
  const lines: string[] = [];
  const registry = new LoggerRegistry({ sink: (line) => lines.push(line) });
  const store = new StatsStore();
  const r = new ClusterResilience(c, hostSet, {
    store,
    statPrefix: 'cluster.test',
    clock,
    random: new SeededRandom(1),
    logger: registry.get('upstream'),
  });
  assert.equal(clock.pendingTimers, 1);
  for (let i = 0; i < 5; i++) r.outlier!.reportResult(hostSet.hosts[0], 500);
  assert.equal(hostSet.hosts[0].healthy, false);
  assert.equal(store.gauges.get('cluster.test.membership_healthy')?.value, 1);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /outlier detection: \{"type":"CONSECUTIVE_5XX".*"upstream_url":"10\.0\.0\.1:1","action":"EJECT"/,
  );
  r.close();
  assert.equal(hostSet.hosts[0].healthy, true);
  assert.equal(clock.pendingTimers, 0);
});
