// The resilience state one cluster carries at run time: its circuit breakers (with the pool-limits view the
// HTTP/1.1 pools count against), its outlier detector when configured, and the retry counters; created
// with the cluster and closed with it.
import type { Clock } from '../../common/clock.js';
import { type Logger, loggers } from '../../common/logger.js';
import type { Random } from '../../common/random.js';
import type { Cluster } from '../config/cluster.js';
import { RetryStats } from '../router/retry-state.js';
import type { StatsStore } from '../stats/store.js';
import { ClusterCircuitBreakers, type ResourceManager } from './circuit-breaker.js';
import type { HostSet } from './host-set.js';
import { OutlierDetector } from './outlier/detector.js';
import { formatOutlierEvent } from './outlier/event-log.js';
import type { OutlierEvent } from './outlier/types.js';

/** The shape of the pools' shared limits (src/proxy/upstream/pool/h1-pool.ts ClusterLimits). */
export interface PoolLimitsView {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequestsPerConnection: number;
  connections: number;
  pending: number;
}

/**
 * The pools' limits backed by the breakers' DEFAULT-priority resources: the pools keep bumping
 * `connections` and `pending`, and the breaker gauges (remaining_cx, remaining_pending, cx_open, …) follow.
 */
export function poolLimitsView(rm: ResourceManager, maxRequestsPerConnection: number): PoolLimitsView {
  return {
    get maxConnections() {
      return rm.connections.max;
    },
    get maxPendingRequests() {
      return rm.pendingRequests.max;
    },
    maxRequestsPerConnection,
    get connections() {
      return rm.connections.count;
    },
    set connections(n: number) {
      rm.connections.count = Math.max(0, n);
      rm.connections.refresh();
    },
    get pending() {
      return rm.pendingRequests.count;
    },
    set pending(n: number) {
      rm.pendingRequests.count = Math.max(0, n);
      rm.pendingRequests.refresh();
      if (rm.thresholds.retryBudget !== undefined) rm.retries.refresh();
    },
  };
}

export interface ClusterResilienceOptions {
  store: StatsStore;
  /** The cluster's stat prefix, `cluster.<alt_stat_name or name>`. */
  statPrefix: string;
  clock: Clock;
  random: Random;
  /** Receives every ejection and return too (besides the log line and the membership gauge). */
  onOutlierEvent?: (e: OutlierEvent) => void;
  /** Where ejections are logged (Envoy's outlier event log as JSON lines); the `upstream` logger by default. */
  logger?: Logger;
}

export class ClusterResilience {
  readonly breakers: ClusterCircuitBreakers;
  readonly outlier: OutlierDetector | undefined;
  readonly retryStats: RetryStats;
  readonly poolLimits: PoolLimitsView;

  constructor(cluster: Cluster, hostSet: HostSet, opts: ClusterResilienceOptions) {
    this.breakers = new ClusterCircuitBreakers(cluster.circuitBreakers, opts.store, opts.statPrefix);
    this.retryStats = new RetryStats(opts.store, opts.statPrefix);
    this.poolLimits = poolLimitsView(this.breakers.default, cluster.maxRequestsPerConnection ?? 0);
    if (cluster.outlierDetection !== undefined) {
      const log = opts.logger ?? loggers.get('upstream');
      // Ejections change who is healthy: membership_healthy follows at once, not at the next EDS update.
      const healthy = opts.store.gauge(`${opts.statPrefix}.membership_healthy`);
      this.outlier = new OutlierDetector(cluster.outlierDetection, hostSet, {
        clock: opts.clock,
        random: opts.random,
        store: opts.store,
        statPrefix: opts.statPrefix,
        clusterName: cluster.name,
        onEvent: (e) => {
          if (log.enabled('info')) log.info(`outlier detection: ${formatOutlierEvent(e)}`);
          let n = 0;
          for (const h of hostSet.hosts) if (h.healthy) n++;
          healthy.set(n);
          opts.onOutlierEvent?.(e);
        },
      });
      this.outlier.start();
    }
  }

  /** The cluster is removed or replaced: stop the outlier sweeps and return ejected hosts. */
  close(): void {
    this.outlier?.stop();
  }
}
