// What the admin API needs from the running proxy: identity, readiness, the config it serves (as Envoy's
// proto3 JSON) and its clusters' hosts. The runtime (ProxyServer) implements AdminSource; the admin server
// only reads through it, so it never reaches into the runtime's internals.

import type { NodeIdentity } from '../config/bootstrap.js';
import type { HealthStatus, Locality, SocketAddress } from '../config/cluster.js';
import type { ServerState } from '../stats/server-stats.js';

export type { ServerState };

/** A proto3 JSON object exactly as Envoy prints it (snake_case field names, `@type` on Any values). */
export type JsonObject = { [key: string]: unknown };

/** A statically configured resource (from the bootstrap). */
export interface StaticResourceDump {
  name: string;
  /** The resource as proto3 JSON, e.g. an envoy.config.listener.v3.Listener; `@type` is added if missing. */
  resource: JsonObject;
  /** Epoch ms when it was loaded. */
  lastUpdated?: number;
}

/** A resource received over xDS: the active version, and the last rejected update if there was one. */
export interface DynamicResourceDump {
  name: string;
  /** The xDS version_info the active resource came with. */
  versionInfo: string;
  /** The active resource; absent when only a rejected update exists for this name. */
  resource?: JsonObject;
  lastUpdated?: number;
  /** Envoy distinguishes warming (not yet serving) and draining listeners/clusters; default active. */
  state?: 'active' | 'warming' | 'draining';
  /** The last NACKed update of this resource (Envoy's UpdateFailureState). */
  error?: {
    details: string;
    lastUpdateAttempt: number;
    failedConfiguration?: JsonObject;
    versionInfo?: string;
  };
}

export type ResourceKind = 'listeners' | 'clusters' | 'routes' | 'endpoints' | 'secrets';

export type ConfigDumpSection =
  | { kind: 'bootstrap'; bootstrap: JsonObject; lastUpdated?: number }
  | {
      kind: ResourceKind;
      /** The type's last accepted version_info (listeners and clusters print it at the top). */
      versionInfo?: string;
      static: StaticResourceDump[];
      dynamic: DynamicResourceDump[];
    };

/** Host health flags other than EDS's, in Envoy's spelling. */
export type HostHealthFlag =
  | 'failed_active_hc'
  | 'failed_outlier_check'
  | 'degraded_active_hc'
  | 'pending_dynamic_removal'
  | 'pending_active_hc'
  | 'excluded_via_immediate_hc_fail'
  | 'active_hc_timeout';

export interface HostStatView {
  name: string;
  value: number;
  type: 'COUNTER' | 'GAUGE';
}

export interface HostStatusView {
  address: SocketAddress;
  hostname?: string;
  /** What EDS said about the host (UNKNOWN counts as healthy, as in Envoy). */
  edsHealthStatus: HealthStatus;
  /** Active health checking and outlier detection flags currently set. */
  healthFlags: HostHealthFlag[];
  weight: number;
  priority: number;
  locality: Locality;
  canary?: boolean;
  /** Envoy's per-host stats: cx_active, cx_connect_fail, cx_total, rq_active, rq_error, rq_success, rq_timeout, rq_total (see stats/cluster-stats.ts HostStats.entries()). */
  stats: HostStatView[];
  /** Outlier detection success rate in percent; undefined (printed as -1) when not computed. */
  successRate?: number;
  localOriginSuccessRate?: number;
}

export interface CircuitBreakerView {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
}

export interface ClusterStatusView {
  name: string;
  /** Envoy's alt_stat_name; defaults to the name. */
  observabilityName?: string;
  addedViaApi: boolean;
  edsServiceName?: string;
  circuitBreakers: { default: CircuitBreakerView; high: CircuitBreakerView };
  /** Present when the cluster has outlier detection (values in percent, -1 when not computed). */
  outlier?: {
    successRateAverage: number;
    successRateEjectionThreshold: number;
    localOriginSuccessRateAverage: number;
    localOriginSuccessRateEjectionThreshold: number;
  };
  hosts: HostStatusView[];
}

export interface AdminSource {
  /** The node identity the proxy presents to the control plane. */
  node(): NodeIdentity;
  /**
   * PRE_INITIALIZING before config loading starts, INITIALIZING while waiting for the first xDS
   * (listeners, clusters, endpoints warmed), LIVE when serving, DRAINING while shutting down. The admin
   * reports DRAINING instead of LIVE while /healthcheck/fail is in effect.
   */
  readiness(): ServerState;
  /** Current config, one section per kind plus the bootstrap; called per /config_dump request. */
  configDump(): ConfigDumpSection[];
  /** Active clusters with their hosts; called per /clusters request. */
  clusters(): ClusterStatusView[];
  /** Starts a graceful shutdown (/quitquitquit); resolves when the proxy has stopped. */
  shutdown(): Promise<void>;
  /** Extra fields for /server_info's command_line_options (config path, concurrency, …). */
  commandLineOptions?(): JsonObject;
  /** Told when /healthcheck/fail or /healthcheck/ok flips the flag (Envoy's health check filter reads it). */
  healthCheckFailedChanged?(failed: boolean): void;
}
