// Envoy's circuit breakers for one cluster: per priority (DEFAULT, HIGH) counters of open connections,
// pending requests, active requests and active retries against their thresholds, with the gauges Envoy
// reports (`circuit_breakers.<priority>.<x>_open` at 0/1 and `remaining_<x>`) and the retry budget.
import type { CircuitBreakerThresholds } from '../config/cluster.js';
import { DEFAULT_CIRCUIT_BREAKERS } from '../config/cluster.js';
import type { Counter, Gauge, StatsStore } from '../stats/store.js';

export type Priority = 'DEFAULT' | 'HIGH';

/** Envoy's retry budget defaults: 20 % of active + pending requests, at least 3 concurrent retries. */
export const DEFAULT_RETRY_BUDGET_PERCENT = 20;
export const DEFAULT_MIN_RETRY_CONCURRENCY = 3;

/** The header Envoy adds to replies it sends because a circuit breaker overflowed. */
export const OVERLOADED_HEADER = 'x-envoy-overloaded';

/** One limited resource: a count, its threshold and its two gauges. */
export class Resource {
  count = 0;

  constructor(
    private readonly limit: () => number,
    private readonly openGauge: Gauge | undefined,
    private readonly remainingGauge: Gauge | undefined,
  ) {
    this.refresh();
  }

  get max(): number {
    return this.limit();
  }

  canCreate(): boolean {
    return this.count < this.limit();
  }

  /** Slots left before the breaker opens (never negative). */
  get remaining(): number {
    return Math.max(0, this.limit() - this.count);
  }

  inc(): void {
    this.count++;
    this.refresh();
  }

  dec(): void {
    if (this.count > 0) this.count--;
    this.refresh();
  }

  /** Re-reads the threshold into the gauges (a retry budget's threshold moves with the request counts). */
  refresh(): void {
    const left = this.remaining;
    this.remainingGauge?.set(left);
    this.openGauge?.set(left === 0 ? 1 : 0);
  }
}

/** The resources of one cluster at one priority. */
export class ResourceManager {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
  readonly requests: Resource;
  readonly retries: Resource;
  /** Connection pools (Envoy's max_connection_pools); unlimited here, tracked for the gauges. */
  readonly connectionPools: Resource;

  constructor(
    readonly thresholds: CircuitBreakerThresholds,
    store: StatsStore | undefined,
    /** e.g. `cluster.outbound|80||a.default.svc.cluster.local.circuit_breakers.default.` */
    prefix: string,
  ) {
    const g = (n: string) => store?.gauge(prefix + n);
    const t = thresholds;
    this.connections = new Resource(() => t.maxConnections, g('cx_open'), g('remaining_cx'));
    this.pendingRequests = new Resource(
      () => t.maxPendingRequests,
      g('rq_pending_open'),
      g('remaining_pending'),
    );
    this.requests = new Resource(() => t.maxRequests, g('rq_open'), g('remaining_rq'));
    this.connectionPools = new Resource(
      () => Number.MAX_SAFE_INTEGER,
      g('cx_pool_open'),
      g('remaining_cx_pools'),
    );
    const budget = t.retryBudget;
    const retryLimit =
      budget === undefined
        ? () => t.maxRetries
        : // With a budget, max_retries is ignored: retries may be budget_percent of what is in flight.
          () =>
            Math.max(
              budget.minRetryConcurrency,
              Math.floor(((this.requests.count + this.pendingRequests.count) * budget.budgetPercent) / 100),
            );
    this.retries = new Resource(retryLimit, g('rq_retry_open'), g('remaining_retries'));
  }

  /** A request became active (retry budgets grow with it). */
  requestStarted(): void {
    this.requests.inc();
    if (this.thresholds.retryBudget !== undefined) this.retries.refresh();
  }

  requestEnded(): void {
    this.requests.dec();
    if (this.thresholds.retryBudget !== undefined) this.retries.refresh();
  }

  pendingStarted(): void {
    this.pendingRequests.inc();
    if (this.thresholds.retryBudget !== undefined) this.retries.refresh();
  }

  pendingEnded(): void {
    this.pendingRequests.dec();
    if (this.thresholds.retryBudget !== undefined) this.retries.refresh();
  }

  /**
   * Whether a pool may open one more connection. Envoy lets a host pool with no connection at all open one
   * even when the cluster is at max_connections, so requests queued to that host are never stranded.
   */
  mayOpenConnection(poolHasConnections: boolean): boolean {
    return this.connections.canCreate() || !poolHasConnections;
  }
}

/** Why a request was refused at once; each maps to the counter Envoy bumps. */
export type OverflowReason = 'max_requests' | 'max_pending_requests' | 'max_retries';

/** Every priority's resources for one cluster, plus the overflow counters. */
export class ClusterCircuitBreakers {
  readonly default: ResourceManager;
  readonly high: ResourceManager;
  readonly pendingOverflow: Counter | undefined;
  readonly connectionOverflow: Counter | undefined;
  readonly retryOverflow: Counter | undefined;

  /** `statPrefix` is the cluster's, e.g. `cluster.<name>` (or its alt_stat_name). */
  constructor(
    thresholds: readonly CircuitBreakerThresholds[],
    store: StatsStore | undefined,
    statPrefix: string,
  ) {
    const pick = (p: Priority): CircuitBreakerThresholds =>
      thresholds.find((t) => t.priority === p) ?? { ...DEFAULT_CIRCUIT_BREAKERS, priority: p };
    this.default = new ResourceManager(pick('DEFAULT'), store, `${statPrefix}.circuit_breakers.default.`);
    this.high = new ResourceManager(pick('HIGH'), store, `${statPrefix}.circuit_breakers.high.`);
    this.pendingOverflow = store?.counter(`${statPrefix}.upstream_rq_pending_overflow`);
    this.connectionOverflow = store?.counter(`${statPrefix}.upstream_cx_overflow`);
    this.retryOverflow = store?.counter(`${statPrefix}.upstream_rq_retry_overflow`);
  }

  forPriority(p: Priority): ResourceManager {
    return p === 'HIGH' ? this.high : this.default;
  }
}

export type Admission =
  /** Use an idle connection now. */
  | { kind: 'idle' }
  /** Open a new connection for this request. */
  | { kind: 'connect' }
  /** Wait for a connection (counts as pending until it gets one). */
  | { kind: 'queue' }
  /** Refused at once: reply 503 with flag UO and x-envoy-overloaded. */
  | { kind: 'overflow'; reason: OverflowReason };

/**
 * The circuit-breaker decision for one request arriving at one host's pool (HTTP/1.1 semantics: one request
 * per connection). The caller then calls requestStarted / pendingStarted / connections.inc accordingly.
 */
export function admitRequest(
  rm: ResourceManager,
  pool: { idleConnections: number; connections: number },
): Admission {
  if (!rm.requests.canCreate()) return { kind: 'overflow', reason: 'max_requests' };
  if (pool.idleConnections > 0) return { kind: 'idle' };
  if (rm.mayOpenConnection(pool.connections > 0)) return { kind: 'connect' };
  if (!rm.pendingRequests.canCreate()) return { kind: 'overflow', reason: 'max_pending_requests' };
  return { kind: 'queue' };
}

/** Counts an overflow the way Envoy does (max_requests and max_pending_requests share the pending counter). */
export function countOverflow(cb: ClusterCircuitBreakers, reason: OverflowReason): void {
  if (reason === 'max_retries') cb.retryOverflow?.inc();
  else cb.pendingOverflow?.inc();
}
