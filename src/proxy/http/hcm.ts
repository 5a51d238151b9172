// The HTTP connection manager's runtime config, built once per listener filter chain: compiled settings,
// Envoy's `http.<stat_prefix>.*` stats, where routes come from (inline table or an RDS slot swapped in
// place on updates), the shared services (cluster manager, clock, random, access log sink), and the
// chain's filters that run around the router (fault, rate limit, metadata exchange, Istio's stats).
import type { Clock } from '../../common/clock.js';
import type { Random } from '../../common/random.js';
import type { AccessLog, HttpConnectionManager, Listener } from '../config/listener.js';
import { reporterFor } from '../filters/http/istio-stats/base.js';
import { IstioHttpStats } from '../filters/http/istio-stats/http-filter.js';
import { type LocalPeer, PeerMetadataFilter } from '../filters/http/peer-metadata/peer-metadata.js';
import { HttpResilienceFilters } from '../filters/http/resilience-filters.js';
import { CompiledRouteTable } from '../router/route-table.js';
import { HttpConnManagerStats } from '../stats/http-stats.js';
import type { Counter, Gauge, StatsStore } from '../stats/store.js';
import type { ClusterManager } from '../upstream/cluster-manager.js';
import type { AccessLogSink } from './access-log-entry.js';

/** A route table slot: RDS updates replace `table`; connections read it per request. */
export interface RouteSlot {
  table: CompiledRouteTable | undefined;
}

export interface ProxyServices {
  clusters: ClusterManager;
  stats: StatsStore;
  /** Epoch milliseconds. */
  now: () => number;
  random: () => number;
  /** The same randomness as a Random (retry jitter), made once. */
  rng: Random;
  /** Timers for retry back-off and per-try timeouts (injectable for tests). */
  scheduler: Clock;
  accessLog: AccessLogSink | undefined;
  /** Builds the sink for a connection manager's own access_log list (undefined: use `accessLog`). */
  accessLogFor: ((configs: AccessLog[]) => AccessLogSink | undefined) | undefined;
  /** Looks up (creating if needed) the slot of an RDS route configuration. */
  routeSlot(name: string): RouteSlot;
  /** This proxy's node id and exchanged metadata (istio.metadata_exchange); undefined when not given. */
  localPeer?: LocalPeer;
}

/** Named fields over the stats module's `http.<stat_prefix>.*` set, created once per connection manager. */
export class HcmStats {
  readonly set: HttpConnManagerStats;
  readonly rqTotal: Counter;
  readonly rqActive: Gauge;
  readonly rqHttp1Total: Counter;
  readonly rqHttp2Total: Counter;
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxHttp1Total: Counter;
  readonly cxHttp1Active: Gauge;
  readonly cxHttp2Total: Counter;
  readonly cxHttp2Active: Gauge;
  readonly cxProtocolError: Counter;
  readonly cxDestroy: Counter;
  readonly cxUpgradesTotal: Counter;
  readonly cxUpgradesActive: Gauge;
  readonly rqRxReset: Counter;
  readonly rqTxReset: Counter;
  readonly rqCompleted: Counter;
  readonly noRoute: Counter;
  readonly noCluster: Counter;
  readonly rqDirectResponse: Counter;
  readonly rqRedirect: Counter;
  readonly rqWsOnNonWsRoute: Counter;
  readonly rqTimeout: Counter;

  constructor(store: StatsStore, statPrefix: string) {
    const set = new HttpConnManagerStats(store, statPrefix);
    this.set = set;
    const c = set.counter;
    const g = set.gauge;
    this.rqTotal = c.downstream_rq_total;
    this.rqActive = g.downstream_rq_active;
    this.rqHttp1Total = c.downstream_rq_http1_total;
    this.rqHttp2Total = c.downstream_rq_http2_total;
    this.cxTotal = c.downstream_cx_total;
    this.cxActive = g.downstream_cx_active;
    this.cxHttp1Total = c.downstream_cx_http1_total;
    this.cxHttp1Active = g.downstream_cx_http1_active;
    this.cxHttp2Total = c.downstream_cx_http2_total;
    this.cxHttp2Active = g.downstream_cx_http2_active;
    this.cxProtocolError = c.downstream_cx_protocol_error;
    this.cxDestroy = c.downstream_cx_destroy;
    this.cxUpgradesTotal = c.downstream_cx_upgrades_total;
    this.cxUpgradesActive = g.downstream_cx_upgrades_active;
    this.rqRxReset = c.downstream_rq_rx_reset;
    this.rqTxReset = c.downstream_rq_tx_reset;
    this.rqCompleted = c.downstream_rq_completed;
    this.noRoute = c.no_route;
    this.noCluster = c.no_cluster;
    this.rqDirectResponse = c.rq_direct_response;
    this.rqRedirect = c.rq_redirect;
    this.rqWsOnNonWsRoute = c.downstream_rq_ws_on_non_ws_route;
    this.rqTimeout = c.downstream_rq_timeout;
  }
}

/** Everything a downstream connection needs from its filter chain's connection manager. */
export class HcmRuntime {
  readonly stats: HcmStats;
  readonly routes: RouteSlot;
  readonly maxHeadBytes: number;
  /** Envoy's default max_headers_count. */
  readonly maxHeaders = 100;
  readonly upgrades: ReadonlySet<string>;
  /** Pre-built `server: <name>\r\n` line for HTTP/1.1 responses. */
  readonly serverName: string;
  readonly accessLog: AccessLogSink | undefined;
  /** Fault injection and local rate limit filters of the chain; undefined when it has none. */
  readonly filters: HttpResilienceFilters | undefined;
  /** Istio's peer metadata exchange; undefined when the chain has no `istio.metadata_exchange` filter. */
  readonly peerMetadata: PeerMetadataFilter | undefined;
  /** Istio's standard metrics; undefined when the chain has no `istio.stats` filter. */
  readonly istioStats: IstioHttpStats | undefined;
  /** Set when the listener is draining: responses carry `connection: close` and idle connections close. */
  draining = false;

  constructor(
    readonly config: HttpConnectionManager,
    readonly services: ProxyServices,
    /** `http` or `https`: the scheme of the downstream connection for x-forwarded-proto. */
    readonly scheme: string,
    /**
     * The listener's traffic_direction: INBOUND reports metrics as reporter=destination. Without it, an
     * Istio inbound stat prefix (`inbound_…`) says the same.
     */
    trafficDirection?: Listener['trafficDirection'],
  ) {
    this.stats = new HcmStats(services.stats, config.statPrefix);
    this.routes =
      config.routes.kind === 'inline'
        ? { table: new CompiledRouteTable(config.routes.config, services.random) }
        : services.routeSlot(config.routes.name);
    this.maxHeadBytes = Math.max(1, config.maxRequestHeadersKb) * 1024;
    this.upgrades = new Set(config.upgrades.map((u) => u.toLowerCase()));
    this.serverName = config.serverName || 'envoy';
    this.filters = HttpResilienceFilters.fromConfig(config.httpFilters, {
      clock: services.scheduler,
      store: services.stats,
      statPrefix: config.statPrefix,
    });
    this.peerMetadata = PeerMetadataFilter.fromConfig(config.httpFilters, services.localPeer);
    this.istioStats = IstioHttpStats.fromConfig(
      config.httpFilters,
      reporterFor(trafficDirection, config.statPrefix),
      services.localPeer,
      services.stats,
    );
    this.accessLog =
      config.accessLogs.length > 0 && services.accessLogFor !== undefined
        ? (services.accessLogFor(config.accessLogs) ?? services.accessLog)
        : services.accessLog;
  }
}
