// Envoy's outlier detector for one cluster: fed every upstream result per host, it ejects hosts on
// consecutive 5xx / gateway / local-origin failures at once, and on success rate or failure percentage at
// each interval; ejected hosts return after base_ejection_time × times ejected (capped by max_ejection_time),
// never beyond max_ejection_percent of the cluster. Ejection goes through HostSet.setHealthFailure, so the
// load balancer's healthy lists and the panic threshold see it.
import type { Clock, TimerHandle } from '../../../common/clock.js';
import type { Random } from '../../../common/random.js';
import type { OutlierDetection } from '../../config/cluster.js';
import type { Counter, Gauge, StatsStore } from '../../stats/store.js';
import type { HostSet } from '../host-set.js';
import type { Host } from '../lb/types.js';
import { HostMonitor } from './host-monitor.js';
import { failurePercentageOutliers, type HostRate, successRateOutliers } from './success-rate.js';
import {
  DEFAULT_OUTLIER_EXTRAS,
  EJECTION_TYPES,
  type EjectionType,
  type LocalOriginResult,
  type OutlierEvent,
  type OutlierExtras,
} from './types.js';

export interface OutlierDetectorOptions {
  clock: Clock;
  random: Random;
  store?: StatsStore;
  /** The cluster's stat prefix, e.g. `cluster.<name>`. */
  statPrefix: string;
  clusterName: string;
  /** Receives every ejection and return (Envoy's outlier event log). */
  onEvent?: (e: OutlierEvent) => void;
  extras?: OutlierExtras;
}

/** How many recent events the detector keeps for the admin page. */
const RECENT_EVENTS = 50;

class OutlierStats {
  readonly active: Gauge | undefined;
  readonly enforcedTotal: Counter | undefined;
  readonly overflow: Counter | undefined;
  /** Deprecated in Envoy but still reported: consecutive 5xx and success-rate ejections detected. */
  readonly total: Counter | undefined;
  readonly detected = new Map<EjectionType, Counter | undefined>();
  readonly enforced = new Map<EjectionType, Counter | undefined>();

  constructor(store: StatsStore | undefined, prefix: string) {
    const c = (n: string) => store?.counter(`${prefix}.outlier_detection.${n}`);
    this.active = store?.gauge(`${prefix}.outlier_detection.ejections_active`);
    this.enforcedTotal = c('ejections_enforced_total');
    this.overflow = c('ejections_overflow');
    this.total = c('ejections_total');
    for (const t of EJECTION_TYPES) {
      this.detected.set(t, c(`ejections_detected_${t}`));
      this.enforced.set(t, c(`ejections_enforced_${t}`));
    }
  }
}

export class OutlierDetector {
  readonly #monitors = new Map<Host, HostMonitor>();
  readonly #stats: OutlierStats;
  readonly #extras: OutlierExtras;
  #timer: TimerHandle | undefined;
  #ejectedCount = 0;
  /** The most recent events, oldest first. */
  readonly recentEvents: OutlierEvent[] = [];

  constructor(
    readonly config: OutlierDetection,
    readonly hostSet: HostSet,
    private readonly opts: OutlierDetectorOptions,
  ) {
    this.#stats = new OutlierStats(opts.store, opts.statPrefix);
    this.#extras = opts.extras ?? DEFAULT_OUTLIER_EXTRAS;
    this.#stats.active?.set(0);
  }

  /** Starts the interval sweeps. */
  start(): void {
    if (this.#timer === undefined)
      this.#timer = this.opts.clock.setTimeout(this.#onInterval, this.config.intervalMs);
  }

  /** Stops sweeping and returns every ejected host to service (the cluster is going away or changed). */
  stop(): void {
    if (this.#timer !== undefined) this.opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [host, m] of this.#monitors)
      if (m.ejected) this.hostSet.setHealthFailure(host, 'outlier', false);
    this.#monitors.clear();
    this.#setEjectedCount(0);
  }

  isEjected(host: Host): boolean {
    return this.#monitors.get(host)?.ejected ?? false;
  }

  /** Times the host has been ejected (its current ejection time multiplier). */
  numEjections(host: Host): number {
    return this.#monitors.get(host)?.numEjections ?? 0;
  }

  get ejectedCount(): number {
    return this.#ejectedCount;
  }

  /** An HTTP response from the host (external origin). */
  reportResult(host: Host, httpStatus: number): void {
    const m = this.#monitor(host);
    if (m === undefined) return;
    const is5xx = httpStatus >= 500 && httpStatus < 600;
    m.external.record(!is5xx);
    if (!is5xx) {
      m.consecutive5xx = 0;
      m.consecutiveGatewayFailure = 0;
      return;
    }
    this.#count5xx(host, m, httpStatus === 502 || httpStatus === 503 || httpStatus === 504);
  }

  /**
   * A result the proxy saw itself. Without split_external_local_origin_errors, failures count as 5xx
   * (connect failure and reset as 503, timeout as 504) and successes are left to the HTTP status; with it,
   * they feed the local-origin counters only.
   */
  reportLocalOrigin(host: Host, kind: LocalOriginResult): void {
    const m = this.#monitor(host);
    if (m === undefined) return;
    if (!this.config.splitExternalLocalOriginErrors) {
      if (kind === 'success') return;
      m.external.record(false);
      this.#count5xx(host, m, true); // 503 and 504 are both gateway failures
      return;
    }
    m.localOrigin.record(kind === 'success');
    if (kind === 'success') {
      m.consecutiveLocalOriginFailure = 0;
      return;
    }
    m.consecutiveLocalOriginFailure++;
    if (m.consecutiveLocalOriginFailure === this.config.consecutiveLocalOriginFailure) {
      m.consecutiveLocalOriginFailure = 0;
      this.#tryEject(host, m, 'consecutive_local_origin_failure');
    }
  }

  #count5xx(host: Host, m: HostMonitor, gateway: boolean): void {
    m.consecutive5xx++;
    if (gateway) m.consecutiveGatewayFailure++;
    else m.consecutiveGatewayFailure = 0;
    const c = this.config;
    if (m.consecutiveGatewayFailure === c.consecutiveGatewayFailure) {
      // Reset when detected, so a further run of errors is detected again even without a success between.
      m.consecutiveGatewayFailure = 0;
      this.#tryEject(host, m, 'consecutive_gateway_failure');
    }
    if (m.consecutive5xx === c.consecutive5xx) {
      m.consecutive5xx = 0;
      this.#tryEject(host, m, 'consecutive_5xx');
    }
  }

  #monitor(host: Host): HostMonitor | undefined {
    let m = this.#monitors.get(host);
    if (m === undefined) {
      if (this.hostSet.get(host.key) !== host) return undefined; // not (or no longer) in this cluster
      m = new HostMonitor();
      this.#monitors.set(host, m);
    }
    return m;
  }

  #enforcing(type: EjectionType): number {
    const c = this.config;
    switch (type) {
      case 'consecutive_5xx':
        return c.enforcingConsecutive5xx;
      case 'consecutive_gateway_failure':
        return c.enforcingConsecutiveGatewayFailure;
      case 'consecutive_local_origin_failure':
        return c.enforcingConsecutiveLocalOriginFailure;
      case 'success_rate':
        return c.enforcingSuccessRate;
      case 'local_origin_success_rate':
        return this.#extras.enforcingLocalOriginSuccessRate;
      case 'failure_percentage':
        return c.enforcingFailurePercentage;
      case 'local_origin_failure_percentage':
        return this.#extras.enforcingFailurePercentageLocalOrigin;
    }
  }

  #tryEject(
    host: Host,
    m: HostMonitor,
    type: EjectionType,
    rates?: { hostSuccessRate: number; threshold: number },
  ): void {
    if (m.ejected) return;
    const st = this.#stats;
    st.detected.get(type)?.inc();
    if (type === 'consecutive_5xx' || type === 'success_rate') st.total?.inc();
    const total = this.hostSet.hosts.length;
    const maxPercent = Math.min(100, this.config.maxEjectionPercent);
    // Envoy compares the share already ejected, before this one, with max_ejection_percent.
    if (total === 0 || (100 * this.#ejectedCount) / total >= maxPercent) {
      st.overflow?.inc();
      return;
    }
    const enforced = this.opts.random.nextInt(100) < this.#enforcing(type);
    if (!enforced) {
      this.#emit({
        action: 'eject',
        host: host.key,
        type,
        enforced: false,
        numEjections: m.numEjections,
        ...rates,
      });
      return;
    }
    m.ejected = true;
    m.numEjections++;
    m.ejectedAtMs = this.opts.clock.now();
    m.lastEjectionType = type;
    this.#setEjectedCount(this.#ejectedCount + 1);
    st.enforcedTotal?.inc();
    st.enforced.get(type)?.inc();
    this.hostSet.setHealthFailure(host, 'outlier', true);
    this.#emit({
      action: 'eject',
      host: host.key,
      type,
      enforced: true,
      numEjections: m.numEjections,
      ...rates,
    });
  }

  #uneject(host: Host, m: HostMonitor): void {
    m.ejected = false;
    m.resetConsecutive();
    this.#setEjectedCount(this.#ejectedCount - 1);
    this.hostSet.setHealthFailure(host, 'outlier', false);
    const event: Omit<OutlierEvent, 'cluster' | 'timeMs'> = {
      action: 'uneject',
      host: host.key,
      enforced: true,
      numEjections: m.numEjections,
    };
    if (m.lastEjectionType !== undefined) event.type = m.lastEjectionType;
    this.#emit(event);
  }

  #setEjectedCount(n: number): void {
    this.#ejectedCount = n;
    this.#stats.active?.set(n);
  }

  #emit(e: Omit<OutlierEvent, 'cluster' | 'timeMs'>): void {
    const event: OutlierEvent = { ...e, cluster: this.opts.clusterName, timeMs: this.opts.clock.now() };
    this.recentEvents.push(event);
    if (this.recentEvents.length > RECENT_EVENTS) this.recentEvents.shift();
    this.opts.onEvent?.(event);
  }

  /** Ejection time for the n-th ejection: base × n, capped at max(base, max_ejection_time). */
  ejectionTimeMs(numEjections: number): number {
    const c = this.config;
    return Math.min(c.baseEjectionTimeMs * numEjections, Math.max(c.baseEjectionTimeMs, c.maxEjectionTimeMs));
  }

  /** One interval sweep: forget departed hosts, return hosts whose time is up, then run the rate detectors. */
  sweep(): void {
    const now = this.opts.clock.now();
    for (const [host, m] of this.#monitors) {
      if (this.hostSet.get(host.key) !== host) {
        if (m.ejected) this.#setEjectedCount(this.#ejectedCount - 1);
        this.#monitors.delete(host);
        continue;
      }
      m.external.swap();
      m.localOrigin.swap();
      if (m.ejected) {
        if (now - m.ejectedAtMs >= this.ejectionTimeMs(m.numEjections)) this.#uneject(host, m);
      } else if (m.numEjections > 0) {
        // A host that stays in service earns back its multiplier, one interval at a time.
        m.numEjections--;
      }
    }
    this.#rateDetection('external');
    if (this.config.splitExternalLocalOriginErrors) this.#rateDetection('localOrigin');
  }

  #rateDetection(origin: 'external' | 'localOrigin'): void {
    const c = this.config;
    const srRates: HostRate<Host>[] = [];
    const fpRates: HostRate<Host>[] = [];
    for (const [host, m] of this.#monitors) {
      if (m.ejected) continue;
      const buckets = origin === 'external' ? m.external : m.localOrigin;
      const sr = buckets.rate(c.successRateRequestVolume);
      if (sr !== undefined) srRates.push({ host, rate: sr });
      const fp = buckets.rate(c.failurePercentageRequestVolume);
      if (fp !== undefined) fpRates.push({ host, rate: fp });
    }
    const srType: EjectionType = origin === 'external' ? 'success_rate' : 'local_origin_success_rate';
    const fpType: EjectionType =
      origin === 'external' ? 'failure_percentage' : 'local_origin_failure_percentage';
    for (const o of successRateOutliers(srRates, c.successRateMinimumHosts, c.successRateStdevFactor)) {
      this.#tryEject(o.host, this.#monitors.get(o.host)!, srType, {
        hostSuccessRate: o.rate,
        threshold: o.threshold,
      });
    }
    for (const o of failurePercentageOutliers(
      fpRates,
      c.failurePercentageMinimumHosts,
      c.failurePercentageThreshold,
    )) {
      this.#tryEject(o.host, this.#monitors.get(o.host)!, fpType, {
        hostSuccessRate: o.rate,
        threshold: o.threshold,
      });
    }
  }

  readonly #onInterval = (): void => {
    this.#timer = this.opts.clock.setTimeout(this.#onInterval, this.config.intervalMs);
    this.sweep();
  };
}
