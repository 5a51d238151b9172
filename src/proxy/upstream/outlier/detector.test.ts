// Outlier detection on virtual time: consecutive 5xx / gateway / local-origin ejections, return after the
// ejection time (growing with repeats), max_ejection_percent, panic threshold, success rate, failure
// percentage, enforcement percentages with a seeded random, stats and events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../../common/clock.js';
import { SeededRandom } from '../../../common/random.js';
import type { LbPolicy, OutlierDetection } from '../../config/cluster.js';
import { StatsStore } from '../../stats/store.js';
import { HostSet } from '../host-set.js';
import { createLoadBalancer } from '../lb/index.js';
import { cluster, simple } from '../lb/test-support.js';
import type { Host } from '../lb/types.js';
import { OutlierDetector } from './detector.js';
import { DEFAULT_OUTLIER_DETECTION, type OutlierEvent } from './types.js';

const P = 'cluster.c';

function setup(
  n: number,
  over: Partial<OutlierDetection> = {},
  panic = 50,
  policy: LbPolicy = 'ROUND_ROBIN',
) {
  const clock = new VirtualClock();
  const store = new StatsStore();
  const c = cluster(policy, { healthyPanicThreshold: panic });
  const hostSet = new HostSet(c, simple(n));
  const lbRandom = new SeededRandom(3);
  const lb = createLoadBalancer(c, hostSet, () => lbRandom.next());
  const events: OutlierEvent[] = [];
  const config = { ...DEFAULT_OUTLIER_DETECTION, intervalMs: 1000, ...over };
  const detector = new OutlierDetector(config, hostSet, {
    clock,
    random: new SeededRandom(9),
    store,
    statPrefix: P,
    clusterName: 'c',
    onEvent: (e) => events.push(e),
  });
  detector.start();
  const counter = (name: string) => store.counters.get(`${P}.outlier_detection.${name}`)?.value ?? 0;
  const active = () => store.gauges.get(`${P}.outlier_detection.ejections_active`)?.value;
  return { clock, hostSet, lb, detector, events, counter, active, hosts: hostSet.hosts };
}

/** Sends `count` requests through the balancer, one every `everyMs` ms; the host answers `status(host)`. */
function traffic(
  s: ReturnType<typeof setup>,
  count: number,
  everyMs: number,
  status: (h: Host) => number,
): Map<Host, number> {
  const picks = new Map<Host, number>();
  for (let i = 0; i < count; i++) {
    const h = s.lb.choose({});
    if (h !== undefined) {
      picks.set(h, (picks.get(h) ?? 0) + 1);
      s.detector.reportResult(h, status(h));
    }
    s.clock.advance(everyMs);
  }
  return picks;
}

test('5 consecutive 5xx eject a host; it receives nothing for base_ejection_time, then returns', () => {
  const s = setup(5, { baseEjectionTimeMs: 30_000 });
  const bad = s.hosts[2];
  for (let i = 0; i < 4; i++) s.detector.reportResult(bad, 503);
  assert.equal(s.detector.isEjected(bad), false);
  s.detector.reportResult(bad, 500);
  assert.equal(s.detector.isEjected(bad), true);
  assert.equal(bad.healthy, false);
  assert.deepEqual(s.hostSet.healthFlags(bad), ['failed_outlier_check']);
  assert.equal(s.counter('ejections_enforced_consecutive_5xx'), 1);
  assert.equal(s.counter('ejections_detected_consecutive_5xx'), 1);
  assert.equal(s.counter('ejections_enforced_total'), 1);
  assert.equal(s.active(), 1);
  // 29.9 s of traffic every 100 ms: the ejected host gets none of it.
  const during = traffic(s, 299, 100, () => 200);
  assert.equal(during.get(bad) ?? 0, 0);
  assert.equal(during.size, 4);
  // The next sweep at or after 30 s returns it; it takes its share again.
  s.clock.advance(1000);
  assert.equal(s.detector.isEjected(bad), false);
  assert.equal(bad.healthy, true);
  assert.equal(s.active(), 0);
  const after = traffic(s, 50, 100, () => 200);
  assert.equal(after.get(bad), 10);
  assert.deepEqual(
    s.events.map((e) => [e.action, e.host, e.type, e.timeMs]),
    [
      ['eject', bad.key, 'consecutive_5xx', 0],
      ['uneject', bad.key, 'consecutive_5xx', 30_000],
    ],
  );
});

test('a success between errors resets the count; repeat ejections last longer, capped by max_ejection_time', () => {
  const s = setup(5, { baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 25_000, intervalMs: 1000 });
  const h = s.hosts[0];
  for (const code of [500, 500, 500, 500, 200, 500, 500, 500, 500]) s.detector.reportResult(h, code);
  assert.equal(s.detector.isEjected(h), false);
  const ejectFor = (): number => {
    const start = s.clock.now();
    for (let i = 0; i < 5; i++) s.detector.reportResult(h, 502);
    assert.equal(s.detector.isEjected(h), true);
    while (s.detector.isEjected(h)) s.clock.advance(1000);
    return s.clock.now() - start;
  };
  assert.equal(ejectFor(), 10_000);
  assert.equal(ejectFor(), 20_000);
  assert.equal(ejectFor(), 25_000); // 30 s capped at 25 s
  assert.equal(s.detector.numEjections(h), 3);
  // In service, the multiplier decays one step per interval.
  s.clock.advance(3000);
  assert.equal(s.detector.numEjections(h), 0);
});

test('max_ejection_percent caps ejections; the rest overflow', () => {
  const s = setup(4, { maxEjectionPercent: 50 });
  // 500, not 503: a 503 run is also a gateway-failure detection, which would overflow as well.
  for (const h of s.hosts) for (let i = 0; i < 5; i++) s.detector.reportResult(h, 500);
  assert.equal(s.detector.ejectedCount, 2);
  assert.equal(s.counter('ejections_overflow'), 2);
  assert.equal(s.counter('ejections_detected_consecutive_5xx'), 4);
  assert.equal(s.hosts.filter((h) => !h.healthy).length, 2);
  // Envoy's default 10 %: with 5 hosts the first ejection is allowed (0 % ejected), the second is not.
  const d = setup(5);
  for (const h of d.hosts) for (let i = 0; i < 5; i++) d.detector.reportResult(h, 500);
  assert.equal(d.detector.ejectedCount, 1);
});

test('below the panic threshold the balancer uses every host; with no panic and no host left, none (UH)', () => {
  const s = setup(4, { maxEjectionPercent: 100 }, 50);
  for (const h of s.hosts.slice(0, 3)) for (let i = 0; i < 5; i++) s.detector.reportResult(h, 503);
  assert.equal(s.detector.ejectedCount, 3);
  // 1 of 4 healthy = 25 % < 50 %: panic, traffic spreads over all four hosts, ejected ones included.
  const picks = traffic(s, 40, 1, () => 200);
  assert.equal(picks.size, 4);
  assert.equal(s.hostSet.levels[0].panic, true);

  const none = setup(2, { maxEjectionPercent: 100 }, 0);
  for (const h of none.hosts) for (let i = 0; i < 5; i++) none.detector.reportResult(h, 503);
  assert.equal(none.lb.choose({}), undefined, 'no healthy upstream');
  none.clock.advance(30_000);
  assert.notEqual(none.lb.choose({}), undefined);
});

test('consecutive gateway failures: detected always, enforced per enforcing_consecutive_gateway_failure', () => {
  const s = setup(5, { consecutiveGatewayFailure: 3, consecutive5xx: 100 });
  const h = s.hosts[0];
  for (const code of [502, 503, 504]) s.detector.reportResult(h, code);
  assert.equal(s.counter('ejections_detected_consecutive_gateway_failure'), 1);
  assert.equal(s.counter('ejections_enforced_consecutive_gateway_failure'), 0); // Envoy's default 0 %
  assert.equal(s.detector.isEjected(h), false);
  assert.equal(s.events[0].enforced, false);
  const e = setup(5, {
    consecutiveGatewayFailure: 3,
    consecutive5xx: 100,
    enforcingConsecutiveGatewayFailure: 100,
  });
  const g = e.hosts[0];
  for (const code of [502, 500, 503, 504]) e.detector.reportResult(g, code); // 500 breaks the run
  assert.equal(e.detector.isEjected(g), false);
  e.detector.reportResult(g, 502);
  assert.equal(e.detector.isEjected(g), true);
});

test('local-origin errors count as 5xx unless split_external_local_origin_errors', () => {
  const s = setup(5);
  const h = s.hosts[0];
  for (const k of ['connect-failure', 'timeout', 'reset', 'connect-failure'] as const)
    s.detector.reportLocalOrigin(h, k);
  s.detector.reportLocalOrigin(h, 'success'); // ignored: the response status will tell
  assert.equal(s.detector.isEjected(h), false);
  s.detector.reportLocalOrigin(h, 'timeout');
  assert.equal(s.detector.isEjected(h), true);

  const split = setup(5, { splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 3 });
  const x = split.hosts[0];
  for (let i = 0; i < 4; i++) split.detector.reportResult(x, 503); // external: not local origin
  split.detector.reportLocalOrigin(x, 'connect-failure');
  split.detector.reportLocalOrigin(x, 'reset');
  split.detector.reportLocalOrigin(x, 'success');
  split.detector.reportLocalOrigin(x, 'timeout');
  split.detector.reportLocalOrigin(x, 'timeout');
  assert.equal(split.detector.isEjected(x), false);
  split.detector.reportLocalOrigin(x, 'connect-failure');
  assert.equal(split.detector.isEjected(x), true);
  assert.equal(split.counter('ejections_enforced_consecutive_local_origin_failure'), 1);
});

test('success rate: a host far below the cluster mean is ejected at the interval', () => {
  const s = setup(6, { consecutive5xx: 1000, successRateRequestVolume: 100, intervalMs: 10_000 });
  const worst = s.hosts[5];
  // 200 requests per host within one interval; the worst host fails 40 % of them.
  let k = 0;
  for (let i = 0; i < 200; i++) {
    for (const h of s.hosts) s.detector.reportResult(h, h === worst && k++ % 5 < 2 ? 500 : 200);
  }
  s.clock.advance(9_999);
  assert.equal(s.detector.isEjected(worst), false, 'nothing happens before the sweep');
  s.clock.advance(1);
  // mean 93.33 %, population stdev 14.91 %: threshold = 93.33 − 1.9 × 14.91 = 65.0 %; 60 % is below it.
  assert.equal(s.detector.isEjected(worst), true);
  assert.equal(s.detector.ejectedCount, 1);
  assert.equal(s.counter('ejections_enforced_success_rate'), 1);
  const ev = s.events.find((e) => e.type === 'success_rate')!;
  assert.equal(ev.hostSuccessRate, 60);
  assert.ok(Math.abs(ev.threshold! - 65.0) < 0.1, String(ev.threshold));
  // Fewer qualifying hosts than success_rate_minimum_hosts (5): no detection.
  const few = setup(4, { consecutive5xx: 1000 });
  for (let i = 0; i < 200; i++) {
    for (const h of few.hosts) few.detector.reportResult(h, h === few.hosts[0] ? 500 : 200);
  }
  few.clock.advance(1000);
  assert.equal(few.detector.ejectedCount, 0);
});

test('failure percentage ejects hosts at or above the threshold when enforced', () => {
  const s = setup(5, {
    consecutive5xx: 1000,
    enforcingFailurePercentage: 100,
    failurePercentageThreshold: 50,
    successRateMinimumHosts: 100,
    maxEjectionPercent: 100,
  });
  const [a, b] = s.hosts;
  for (let i = 0; i < 100; i++) {
    for (const h of s.hosts)
      s.detector.reportResult(h, (h === a && i % 2 === 0) || (h === b && i % 3 === 0) ? 503 : 200);
  }
  s.clock.advance(1000);
  assert.equal(s.detector.isEjected(a), true); // 50 % failures
  assert.equal(s.detector.isEjected(b), false); // 34 %
  assert.equal(s.counter('ejections_enforced_failure_percentage'), 1);
});

test('enforcing percentages are drawn from the seeded random', () => {
  const s = setup(2, {
    enforcingConsecutive5xx: 30,
    consecutive5xx: 1,
    maxEjectionPercent: 100,
    intervalMs: 100_000,
  });
  const h = s.hosts[0];
  let enforced = 0;
  for (let i = 0; i < 2000; i++) {
    s.detector.reportResult(h, 500);
    if (s.detector.isEjected(h)) {
      enforced++;
      s.clock.advance(300_000); // let it return (the longest ejection is max_ejection_time)
    }
  }
  assert.equal(s.counter('ejections_detected_consecutive_5xx'), 2000);
  assert.ok(Math.abs(enforced / 2000 - 0.3) < 0.03, `${enforced}`);
});

test('hosts leaving the cluster are forgotten; stop() returns ejected hosts', () => {
  const s = setup(3, { maxEjectionPercent: 100 });
  const [a, b] = s.hosts;
  for (let i = 0; i < 5; i++) {
    s.detector.reportResult(a, 500);
    s.detector.reportResult(b, 500);
  }
  assert.equal(s.detector.ejectedCount, 2);
  s.hostSet.update(simple(1)); // keeps port 1 (a), drops b and c
  s.clock.advance(1000);
  assert.equal(s.detector.ejectedCount, 1);
  s.detector.stop();
  assert.equal(a.healthy, true);
  assert.equal(s.active(), 0);
  assert.equal(s.clock.pendingTimers, 0);
});

test('events format as Envoy outlier event log lines', async () => {
  const { formatOutlierEvent } = await import('./event-log.js');
  const s = setup(5, { baseEjectionTimeMs: 2000 });
  const h = s.hosts[0];
  for (let i = 0; i < 5; i++) s.detector.reportResult(h, 500);
  s.clock.advance(2000);
  assert.deepEqual(
    s.events.map((e) => JSON.parse(formatOutlierEvent(e))),
    [
      {
        type: 'CONSECUTIVE_5XX',
        timestamp: '1970-01-01T00:00:00.000Z',
        cluster_name: 'c',
        upstream_url: h.key,
        action: 'EJECT',
        num_ejections: 1,
        enforced: true,
        eject_consecutive_event: {},
      },
      {
        type: 'CONSECUTIVE_5XX',
        timestamp: '1970-01-01T00:00:02.000Z',
        cluster_name: 'c',
        upstream_url: h.key,
        action: 'UNEJECT',
        num_ejections: 1,
        enforced: true,
      },
    ],
  );
});
