// The cluster's stats as the upstream code uses them: named fields over the stats module's Envoy stat set
// (`cluster.<name>.*`, created once per cluster at config time), so hot paths bump a field, never look up.
import { ClusterStats as ClusterStatSet } from '../stats/cluster-stats.js';
import type { Counter, Gauge, StatsStore } from '../stats/store.js';

export class ClusterStats {
  readonly set: ClusterStatSet;
  readonly upstreamRqTotal: Counter;
  readonly upstreamRqActive: Gauge;
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

  constructor(store: StatsStore, name: string) {
    const set = new ClusterStatSet(store, name);
    this.set = set;
    const c = set.counter;
    const g = set.gauge;
    this.upstreamRqTotal = c.upstream_rq_total;
    this.upstreamRqActive = g.upstream_rq_active;
    this.upstreamRqTimeout = c.upstream_rq_timeout;
    this.upstreamRqPendingTotal = c.upstream_rq_pending_total;
    this.upstreamRqPendingOverflow = c.upstream_rq_pending_overflow;
    this.upstreamRqRxReset = c.upstream_rq_rx_reset;
    this.upstreamCxTotal = c.upstream_cx_total;
    this.upstreamCxActive = g.upstream_cx_active;
    this.upstreamCxHttp1Total = c.upstream_cx_http1_total;
    this.upstreamCxHttp2Total = c.upstream_cx_http2_total;
    this.upstreamCxConnectFail = c.upstream_cx_connect_fail;
    this.upstreamCxConnectTimeout = c.upstream_cx_connect_timeout;
    this.upstreamCxDestroy = c.upstream_cx_destroy;
    this.upstreamCxOverflow = c.upstream_cx_overflow;
    this.upstreamCxNoneHealthy = c.upstream_cx_none_healthy;
    this.upstreamCxMaxRequests = c.upstream_cx_max_requests;
    this.membershipTotal = g.membership_total;
    this.membershipHealthy = g.membership_healthy;
  }

  /** One upstream response: upstream_rq_<code>, <class>xx, completed and upstream_rq_time (ms). */
  response(status: number, durationMs: number): void {
    this.set.recordResponse(status, durationMs);
  }
}
