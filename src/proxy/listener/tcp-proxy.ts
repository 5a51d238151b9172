// Envoy's tcp_proxy network filter: pick a cluster (or a weighted one), a host from its load balancer,
// connect within the cluster's connect timeout and splice the two sockets, with `tcp.<prefix>.*` stats,
// an idle timeout, one access log entry per connection and, with Istio's `istio.stats` network filter before
// it, Istio's TCP metrics.
import net from 'node:net';
import tls from 'node:tls';
import type { Listener, TcpProxy } from '../config/listener.js';
import { reporterFor } from '../filters/http/istio-stats/base.js';
import { IstioTcpStats } from '../filters/http/istio-stats/tcp-stats.js';
import type { AccessLogEntry, AccessLogSink } from '../http/access-log-entry.js';
import type { ProxyServices } from '../http/hcm.js';
import { Flag } from '../http/local-reply.js';
import { TcpProxyStats } from '../stats/http-stats.js';
import type { Counter, Gauge } from '../stats/store.js';

export class TcpProxyRuntime {
  private readonly cxTotal: Counter;
  private readonly cxActive: Gauge;
  private readonly noRoute: Counter;
  private readonly idleTimeout: Counter;
  private readonly rxBytes: Counter;
  private readonly txBytes: Counter;
  private readonly totalWeight: number;
  private readonly accessLog: AccessLogSink | undefined;
  /** Istio's TCP metrics; undefined without an `istio.stats` network filter. */
  readonly istioStats: IstioTcpStats | undefined;

  constructor(
    readonly config: TcpProxy,
    private readonly services: ProxyServices,
    /** The listener's traffic_direction (INBOUND: metrics say reporter=destination). */
    trafficDirection?: Listener['trafficDirection'],
  ) {
    const set = new TcpProxyStats(services.stats, config.statPrefix);
    this.cxTotal = set.counter.downstream_cx_total;
    // Envoy has no tcp.<prefix>.downstream_cx_active; the gauge sits beside the set's stats.
    this.cxActive = services.stats.gauge(`${set.prefix}downstream_cx_active`);
    this.noRoute = set.counter.downstream_cx_no_route;
    this.idleTimeout = set.counter.idle_timeout;
    this.rxBytes = set.counter.downstream_cx_rx_bytes_total;
    this.txBytes = set.counter.downstream_cx_tx_bytes_total;
    this.accessLog =
      config.accessLogs.length > 0 && services.accessLogFor !== undefined
        ? (services.accessLogFor(config.accessLogs) ?? services.accessLog)
        : services.accessLog;
    this.istioStats = IstioTcpStats.fromConfig(
      config.networkFilters,
      reporterFor(trafficDirection, config.statPrefix),
      services.localPeer,
      services.stats,
    );
    const t = config.target;
    this.totalWeight = t.kind === 'weighted' ? t.clusters.reduce((a, c) => a + c.weight, 0) : 0;
  }

  private clusterName(): string {
    const t = this.config.target;
    if (t.kind === 'cluster') return t.name;
    let x = this.services.random() * this.totalWeight;
    for (const c of t.clusters) {
      if (x < c.weight) return c.name;
      x -= c.weight;
    }
    return t.clusters[t.clusters.length - 1]?.name ?? '';
  }

  /** Takes over a downstream connection; `first` holds bytes already read from it. */
  handle(down: net.Socket, first: Buffer | null, onClose: () => void): void {
    const svc = this.services;
    const start = svc.now();
    this.cxTotal.inc();
    this.cxActive.inc();
    let flags = '';
    let upstreamHost = '';
    let rx = 0;
    let tx = 0;
    const clusterName = this.clusterName();
    const cluster = svc.clusters.get(clusterName);
    const metrics = this.istioStats?.connection(down, cluster?.cluster, svc.scheduler);
    const finish = (): void => {
      this.cxActive.dec();
      this.rxBytes.inc(rx);
      this.txBytes.inc(tx);
      metrics?.close(flags, tx, rx);
      onClose();
      const sink = this.accessLog;
      if (sink !== undefined) sink.log(this.entry(down, start, flags, upstreamHost, clusterName, rx, tx));
    };
    down.on('error', () => {});
    if (cluster === undefined) {
      this.noRoute.inc();
      flags = Flag.NoClusterFound;
      down.once('close', finish);
      down.destroy();
      return;
    }
    const host = cluster.choose({});
    if (host === undefined) {
      cluster.stats.upstreamCxNoneHealthy.inc();
      flags = Flag.NoHealthyUpstream;
      down.once('close', finish);
      down.destroy();
      return;
    }
    upstreamHost = host.key;
    host.activeRequests++;
    const cs = cluster.stats;
    cs.upstreamCxTotal.inc();
    cs.upstreamCxActive.inc();
    down.pause();
    // Half-close travels through, as with Envoy's TCP proxy: a client that sends and then shuts down its
    // side still gets the answer (each end is propagated to the other side explicitly below).
    down.allowHalfOpen = true;
    // The host's transport socket (auto mTLS to a sidecar, a DestinationRule's TLS) or plain text. A TLS
    // setting whose secret is missing fails like a refused connection (UF), as Envoy's does.
    let tlsOptions: tls.ConnectionOptions | undefined;
    let tlsProblem = false;
    try {
      tlsOptions = cluster.tlsOptions(false, host);
    } catch {
      tlsProblem = true;
    }
    const target = { host: host.address.host, port: host.address.port, noDelay: true };
    const up: net.Socket = tlsOptions ? tls.connect({ ...tlsOptions, ...target }) : net.connect(target);
    up.allowHalfOpen = true;
    if (tlsProblem) up.destroy();
    let connected = false;
    const timeoutMs = cluster.cluster.connectTimeoutMs;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            cs.upstreamCxConnectTimeout.inc();
            up.destroy();
          }, timeoutMs)
        : null;
    up.on(tlsOptions ? 'secureConnect' : 'connect', () => {
      connected = true;
      if (timer !== null) clearTimeout(timer);
      metrics?.connected(up, () => ({ sent: tx, received: rx }));
      if (first !== null && first.length > 0) {
        rx += first.length;
        up.write(first);
      }
      down.on('data', (d: Buffer) => {
        rx += d.length;
        if (!up.write(d)) down.pause();
      });
      up.on('data', (d: Buffer) => {
        tx += d.length;
        if (!down.write(d)) up.pause();
      });
      up.on('drain', () => down.resume());
      down.on('drain', () => up.resume());
      down.on('end', () => up.end());
      up.on('end', () => down.end());
      down.resume();
      const idle = this.config.idleTimeoutMs;
      if (idle > 0) {
        down.setTimeout(idle, () => {
          this.idleTimeout.inc();
          down.destroy();
          up.destroy();
        });
      }
    });
    up.on('error', () => {});
    up.on('close', () => {
      if (timer !== null) clearTimeout(timer);
      host.activeRequests--;
      cs.upstreamCxActive.dec();
      if (!connected) {
        cs.upstreamCxConnectFail.inc();
        flags = Flag.UpstreamConnectionFailure;
      } else cs.upstreamCxDestroy.inc();
      down.destroy();
    });
    down.once('close', () => {
      up.destroy();
      finish();
    });
  }

  private entry(
    down: net.Socket,
    start: number,
    flags: string,
    upstreamHost: string,
    cluster: string,
    rx: number,
    tx: number,
  ): AccessLogEntry {
    return {
      startTimeMs: start,
      method: '',
      path: '',
      protocol: '-',
      status: 0,
      responseFlags: flags === '' ? '-' : flags,
      responseCodeDetails: '',
      bytesReceived: rx,
      bytesSent: tx,
      durationMs: this.services.now() - start,
      upstreamServiceTimeMs: -1,
      upstreamHost,
      upstreamCluster: cluster,
      downstreamRemoteAddress: `${down.remoteAddress}:${down.remotePort}`,
      downstreamLocalAddress: `${down.localAddress}:${down.localPort}`,
      xForwardedFor: '',
      userAgent: '',
      requestId: '',
      authority: '',
      routeName: '',
      upstreamTransportFailureReason: flags === Flag.UpstreamConnectionFailure ? 'connection failure' : '',
      requestedServerName: '',
    };
  }
}
