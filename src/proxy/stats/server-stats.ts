// Envoy's process-wide stats, named once as lists: `server.*` (refreshed from the process before each
// stats render), the cluster and listener managers' (`cluster_manager.*`, `listener_manager.*`) and an xDS
// subscription's (`cluster_manager.cds.*`, `listener_manager.lds.*`, `http.<prefix>.rds.<route>.*`).
import { buildStatSet } from './cluster-stats.js';
import type { Counter, Gauge, Histogram, StatsStore } from './store.js';

/** Envoy's server states (envoy.admin.v3.ServerInfo.State), with the numbers the server.state gauge takes. */
export type ServerState = 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';
export const SERVER_STATE_NUMBER: Record<ServerState, number> = {
  LIVE: 0,
  DRAINING: 1,
  PRE_INITIALIZING: 2,
  INITIALIZING: 3,
};

export const SERVER_COUNTERS = [
  'debug_assertion_failures',
  'envoy_bug_failures',
  'static_unknown_fields',
  'dynamic_unknown_fields',
  'wip_protos',
] as const;
export const SERVER_GAUGES = [
  'live',
  'state',
  'uptime',
  'memory_allocated',
  'memory_heap_size',
  'memory_physical_size',
  'concurrency',
  'total_connections',
  'parent_connections',
  'hot_restart_epoch',
  'hot_restart_generation',
  'version',
  'days_until_first_cert_expiring',
  'stats_recent_lookups',
] as const;

export class ServerStats {
  readonly counter: Record<(typeof SERVER_COUNTERS)[number], Counter>;
  readonly gauge: Record<(typeof SERVER_GAUGES)[number], Gauge>;
  readonly initializationTimeMs: Histogram;

  constructor(store: StatsStore) {
    this.counter = buildStatSet(SERVER_COUNTERS, (n) => store.counter(`server.${n}`));
    this.gauge = buildStatSet(SERVER_GAUGES, (n) => store.gauge(`server.${n}`));
    this.initializationTimeMs = store.histogram('server.initialization_time_ms');
    this.gauge.concurrency.set(1);
  }

  /** Sets the gauges that follow the process: state, liveness, uptime (s) and memory (bytes). */
  refresh(state: ServerState, uptimeSeconds: number): void {
    this.gauge.state.set(SERVER_STATE_NUMBER[state]);
    this.gauge.live.set(state === 'LIVE' ? 1 : 0);
    this.gauge.uptime.set(Math.floor(uptimeSeconds));
    const mem = process.memoryUsage();
    this.gauge.memory_allocated.set(mem.heapUsed);
    this.gauge.memory_heap_size.set(mem.heapTotal);
    this.gauge.memory_physical_size.set(mem.rss);
  }
}

export const CLUSTER_MANAGER_COUNTERS = [
  'cluster_added',
  'cluster_modified',
  'cluster_removed',
  'cluster_updated',
  'cluster_updated_via_merge',
  'update_merge_cancelled',
  'update_out_of_merge_window',
] as const;
export const CLUSTER_MANAGER_GAUGES = ['active_clusters', 'warming_clusters'] as const;

export class ClusterManagerStats {
  readonly counter: Record<(typeof CLUSTER_MANAGER_COUNTERS)[number], Counter>;
  readonly gauge: Record<(typeof CLUSTER_MANAGER_GAUGES)[number], Gauge>;
  constructor(store: StatsStore) {
    this.counter = buildStatSet(CLUSTER_MANAGER_COUNTERS, (n) => store.counter(`cluster_manager.${n}`));
    this.gauge = buildStatSet(CLUSTER_MANAGER_GAUGES, (n) => store.gauge(`cluster_manager.${n}`));
  }
}

export const LISTENER_MANAGER_COUNTERS = [
  'listener_added',
  'listener_modified',
  'listener_removed',
  'listener_stopped',
  'listener_create_success',
  'listener_create_failure',
  'listener_in_place_updated',
] as const;
export const LISTENER_MANAGER_GAUGES = [
  'total_listeners_warming',
  'total_listeners_active',
  'total_listeners_draining',
  'total_filter_chains_draining',
  'workers_started',
] as const;

export class ListenerManagerStats {
  readonly counter: Record<(typeof LISTENER_MANAGER_COUNTERS)[number], Counter>;
  readonly gauge: Record<(typeof LISTENER_MANAGER_GAUGES)[number], Gauge>;
  constructor(store: StatsStore) {
    this.counter = buildStatSet(LISTENER_MANAGER_COUNTERS, (n) => store.counter(`listener_manager.${n}`));
    this.gauge = buildStatSet(LISTENER_MANAGER_GAUGES, (n) => store.gauge(`listener_manager.${n}`));
  }
}

export const SUBSCRIPTION_COUNTERS = [
  'update_attempt',
  'update_success',
  'update_failure',
  'update_rejected',
  'init_fetch_timeout',
] as const;
export const SUBSCRIPTION_GAUGES = ['update_time', 'version'] as const;

/** An xDS subscription's stats under a prefix such as `cluster_manager.cds.` or `listener_manager.lds.`. */
export class SubscriptionStats {
  readonly counter: Record<(typeof SUBSCRIPTION_COUNTERS)[number], Counter>;
  readonly gauge: Record<(typeof SUBSCRIPTION_GAUGES)[number], Gauge>;
  readonly updateDuration: Histogram;

  constructor(store: StatsStore, prefix: string) {
    const p = prefix.endsWith('.') ? prefix : prefix + '.';
    this.counter = buildStatSet(SUBSCRIPTION_COUNTERS, (n) => store.counter(p + n));
    this.gauge = buildStatSet(SUBSCRIPTION_GAUGES, (n) => store.gauge(p + n));
    this.updateDuration = store.histogram(`${p}update_duration`);
  }

  /** An accepted update: counts it, stamps update_time (epoch ms) and a numeric hash of the version text. */
  accepted(versionInfo: string, nowMs: number, durationMs: number): void {
    this.counter.update_attempt.inc();
    this.counter.update_success.inc();
    this.gauge.update_time.set(nowMs);
    this.gauge.version.set(versionHash(versionInfo));
    this.updateDuration.record(durationMs);
  }

  /** A NACKed update (Envoy counts it as rejected). */
  rejected(): void {
    this.counter.update_attempt.inc();
    this.counter.update_rejected.inc();
  }

  /** A transport failure (stream closed, timeout). */
  failed(): void {
    this.counter.update_attempt.inc();
    this.counter.update_failure.inc();
  }
}

/** A stable 52-bit hash of a version string (Envoy reports a 64-bit hash; a JS number holds 53 bits). */
export function versionHash(text: string): number {
  // FNV-1a over UTF-16 code units, two 32-bit halves folded into 52 bits.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return (h1 & 0xfffff) * 0x100000000 + h2;
}
