// Envoy's per-cluster stats (`cluster.<name>.upstream_rq_total`, `upstream_cx_connect_fail`, …), created
// once per cluster at config time; per-status-code counters are created on first use and cached by code.
import type { Counter, Gauge, StatsStore } from '../stats/store.js';

export class ClusterStats {
  readonly upstreamRqTotal: Counter;
  readonly upstreamRqActive: Gauge;
  readonly upstreamRqCompleted: Counter;
  readonly upstreamRqTimeout: Counter;
  readonly upstreamRqPendingTotal: Counter;
  readonly upstreamRqPendingOverflow: Counter;
  readonly upstreamRqRxReset: Counter;
  readonly upstreamCxTotal: Counter;
  readonly upstreamCxActive: Gauge;
  readonly upstreamCxHttp1Total: Counter;
  readonly upstreamCxHttp2Total: Counter;
  readonly upstreamCxConnectFail: Counter;
  readonly upstreamCxConnectTimeout: Counter;
  readonly upstreamCxDestroy: Counter;
  readonly upstreamCxOverflow: Counter;
  readonly upstreamCxNoneHealthy: Counter;
  readonly upstreamCxMaxRequests: Counter;
  readonly membershipTotal: Gauge;
  readonly membershipHealthy: Gauge;
  /** The reason of the last failed connect, for diagnostics ('' when none). */
  lastConnectFailure = '';
  private readonly byClass: Counter[];
  private readonly byCode: (Counter | undefined)[] = [];

  constructor(
    private readonly store: StatsStore,
    readonly prefix: string,
  ) {
    const c = (n: string) => store.counter(`${prefix}.${n}`);
    const g = (n: string) => store.gauge(`${prefix}.${n}`);
    this.upstreamRqTotal = c('upstream_rq_total');
    this.upstreamRqActive = g('upstream_rq_active');
    this.upstreamRqCompleted = c('upstream_rq_completed');
    this.upstreamRqTimeout = c('upstream_rq_timeout');
    this.upstreamRqPendingTotal = c('upstream_rq_pending_total');
    this.upstreamRqPendingOverflow = c('upstream_rq_pending_overflow');
    this.upstreamRqRxReset = c('upstream_rq_rx_reset');
    this.upstreamCxTotal = c('upstream_cx_total');
    this.upstreamCxActive = g('upstream_cx_active');
    this.upstreamCxHttp1Total = c('upstream_cx_http1_total');
    this.upstreamCxHttp2Total = c('upstream_cx_http2_total');
    this.upstreamCxConnectFail = c('upstream_cx_connect_fail');
    this.upstreamCxConnectTimeout = c('upstream_cx_connect_timeout');
    this.upstreamCxDestroy = c('upstream_cx_destroy');
    this.upstreamCxOverflow = c('upstream_cx_overflow');
    this.upstreamCxNoneHealthy = c('upstream_cx_none_healthy');
    this.upstreamCxMaxRequests = c('upstream_cx_max_requests');
    this.membershipTotal = g('membership_total');
    this.membershipHealthy = g('membership_healthy');
    this.byClass = [1, 2, 3, 4, 5].map((k) => c(`upstream_rq_${k}xx`));
  }

  /** Counts one upstream response status (upstream_rq_<code>, upstream_rq_<N>xx, upstream_rq_completed). */
  response(status: number): void {
    this.upstreamRqCompleted.inc();
    const k = (status / 100) | 0;
    if (k >= 1 && k <= 5) this.byClass[k - 1].inc();
    let ctr = this.byCode[status];
    if (ctr === undefined) {
      ctr = this.store.counter(`${this.prefix}.upstream_rq_${status}`);
      this.byCode[status] = ctr;
    }
    ctr.inc();
  }
}
