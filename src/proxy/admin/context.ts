// The admin API's state and the answers composed from several places: server state (the source's readiness
// combined with /healthcheck/fail), /server_info, the server.* gauges, /listeners, and shutdown.
import { loggers as defaultLoggers, type LoggerRegistry } from '../../common/logger.js';
import { istioPrometheusSource } from '../filters/http/istio-stats/registry.js';
import type { PrometheusSource } from '../stats/prometheus.js';
import { type ServerState, ServerStats } from '../stats/server-stats.js';
import type { StatsStore } from '../stats/store.js';
import type { AdminSource, JsonObject } from './source.js';

export interface AdminContextOptions {
  source: AdminSource;
  stats: StatsStore;
  loggers?: LoggerRegistry;
  /** Trellis's version, shown in /server_info. */
  version?: string;
  /** Epoch ms; injected by tests. */
  now?: () => number;
  prometheusSources?: PrometheusSource[];
}

/** A proto3 Duration in JSON: whole seconds, as Envoy prints uptime. */
function durationJson(seconds: number): string {
  return `${Math.max(0, Math.floor(seconds))}s`;
}

export class AdminContext {
  readonly source: AdminSource;
  readonly stats: StatsStore;
  readonly loggers: LoggerRegistry;
  readonly prometheusSources: PrometheusSource[];
  private readonly serverStats: ServerStats;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly version: string;
  private healthCheckFailed = false;
  private shuttingDown: Promise<void> | undefined;

  constructor(o: AdminContextOptions) {
    this.source = o.source;
    this.stats = o.stats;
    this.loggers = o.loggers ?? defaultLoggers;
    // Istio's standard metrics of this proxy's istio.stats filters ('' while there are none).
    this.prometheusSources = [istioPrometheusSource(o.stats), ...(o.prometheusSources ?? [])];
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    this.version = o.version ?? '0.0.0';
    this.serverStats = new ServerStats(o.stats);
  }

  get isHealthCheckFailed(): boolean {
    return this.healthCheckFailed;
  }

  setHealthCheckFailed(failed: boolean): void {
    if (this.healthCheckFailed === failed) return;
    this.healthCheckFailed = failed;
    this.source.healthCheckFailedChanged?.(failed);
  }

  /** Envoy's rule: LIVE turns into DRAINING while health checks are failed on purpose. */
  serverState(): ServerState {
    const state = this.source.readiness();
    return state === 'LIVE' && this.healthCheckFailed ? 'DRAINING' : state;
  }

  uptimeSeconds(): number {
    return (this.now() - this.startedAt) / 1000;
  }

  refreshServerStats(): void {
    this.serverStats.refresh(this.serverState(), this.uptimeSeconds());
  }

  /** envoy.admin.v3.ServerInfo as proto3 JSON. */
  serverInfo(): JsonObject {
    const node = this.source.node();
    const nodeJson: JsonObject = {
      id: node.id,
      cluster: node.cluster,
      metadata: node.metadata,
      user_agent_name: 'trellis',
      user_agent_version: this.version,
    };
    if (node.locality) {
      nodeJson.locality = {
        region: node.locality.region,
        zone: node.locality.zone,
        sub_zone: node.locality.subZone,
      };
    }
    const uptime = durationJson(this.uptimeSeconds());
    return {
      version: `trellis/${this.version}/Clean/RELEASE/node-${process.version}`,
      state: this.serverState(),
      hot_restart_version: 'disabled',
      command_line_options: {
        base_id: '0',
        concurrency: 1,
        config_path: '',
        config_yaml: '',
        allow_unknown_static_fields: false,
        reject_unknown_dynamic_fields: true,
        log_level: 'info',
        component_log_level: '',
        log_format: '[%Y-%m-%d %T.%e][%t][%l][%n] %v',
        log_path: '',
        service_cluster: node.cluster,
        service_node: node.id,
        service_zone: node.locality?.zone ?? '',
        mode: 'Serve',
        disable_hot_restart: true,
        restart_epoch: 0,
        file_flush_interval: '10s',
        drain_time: '600s',
        drain_strategy: 'Gradual',
        parent_shutdown_time: '900s',
        ...(this.source.commandLineOptions?.() ?? {}),
      },
      node: nodeJson,
      uptime_current_epoch: uptime,
      uptime_all_epochs: uptime,
    };
  }

  /** Envoy's /listeners text: `name::address` for each listener in the config dump. */
  listenersText(): string {
    let out = '';
    for (const section of this.source.configDump()) {
      if (section.kind !== 'listeners') continue;
      const all = [
        ...section.static.map((s) => ({ name: s.name, resource: s.resource })),
        ...section.dynamic.filter((d) => d.resource).map((d) => ({ name: d.name, resource: d.resource! })),
      ];
      for (const l of all) {
        const sa = (l.resource.address as JsonObject | undefined)?.socket_address as JsonObject | undefined;
        const addr = sa ? `${String(sa.address ?? '')}:${String(sa.port_value ?? 0)}` : '';
        out += `${l.name}::${addr}\n`;
      }
    }
    return out;
  }

  /** Starts the source's shutdown once; later calls share it. Errors are logged, not thrown. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.source.shutdown().catch((err: unknown) => {
      this.loggers.get('admin').error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.shuttingDown;
  }
}
