// The `istio.stats` network filter before tcp_proxy: istio_tcp_connections_opened_total when the upstream
// connects (or at close, for a connection that never got one), istio_tcp_sent/received_bytes_total every
// reporting period and at close, istio_tcp_connections_closed_total at close. Labels are fixed once per
// connection: identities from the TLS certificates of the connection's two ends (TCP carries no peer
// metadata headers), the service from the cluster, response_flags as known when the series is chosen.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Clock, TimerHandle } from '../../../../common/clock.js';
import type { Cluster } from '../../../config/cluster.js';
import { uriSanOf } from '../../../listener/downstream-tls.js';
import type { StatsStore } from '../../../stats/store.js';
import type { LocalPeer } from '../peer-metadata/peer-metadata.js';
import { IstioStatsBase, metricFlags } from './base.js';
import { decodeIstioStatsSettings } from './config.js';
import type { Reporter } from './labels.js';
import { serviceOfCluster } from './labels.js';
import { ISTIO_STATS_FILTER_NAME } from './plugin-config.js';
import { TCP_CLOSED, TCP_OPENED, TCP_RECEIVED, TCP_SENT, type TcpSeries } from './registry.js';

/** A network filter before the terminal one, as the listener decoder hands it over. */
export interface NetworkFilterConfig {
  name: string;
  config: unknown;
}

function isTls(s: Socket): s is TLSSocket {
  return typeof (s as Partial<TLSSocket>).getPeerX509Certificate === 'function';
}

/** [peer URI SAN, our URI SAN] of a TLS socket; ['', ''] for plain text. */
export function socketUriSans(s: Socket): [string, string] {
  if (!isTls(s)) return ['', ''];
  try {
    const peer = s.authorized ? s.getPeerX509Certificate() : undefined;
    const local = s.getX509Certificate();
    return [uriSanOf(peer?.subjectAltName), uriSanOf(local?.subjectAltName)];
  } catch {
    return ['', ''];
  }
}

export class IstioTcpStats extends IstioStatsBase {
  /** The filter among a TCP chain's network filters, or undefined without one. */
  static fromConfig(
    filters: readonly NetworkFilterConfig[] | undefined,
    reporter: Reporter,
    local: LocalPeer | undefined,
    store: StatsStore,
  ): IstioTcpStats | undefined {
    const f = filters?.find((x) => x.name === ISTIO_STATS_FILTER_NAME);
    if (f === undefined) return undefined;
    const r = decodeIstioStatsSettings(f.config ?? {});
    if (!r.ok)
      throw new Error(
        `${ISTIO_STATS_FILTER_NAME}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      );
    return new IstioTcpStats(r.value, reporter, local, store);
  }

  /** Starts the metrics of one downstream connection going to `cluster` (undefined: no such cluster). */
  connection(down: Socket, cluster: Cluster | undefined, clock: Clock): TcpConnectionStats {
    return new TcpConnectionStats(this, down, cluster, clock);
  }

  /** The series for a connection's identities, service and flags. */
  series(
    peerPrincipal: string,
    localPrincipal: string,
    cluster: Cluster | undefined,
    flags: string,
  ): TcpSeries {
    const head = this.head(undefined, peerPrincipal, localPrincipal, serviceOfCluster(cluster));
    const f = metricFlags(flags);
    const policy = this.securityPolicy(peerPrincipal, localPrincipal);
    const key = `${f}|${policy}`;
    return head.tcp.get(key) ?? head.tcpSeries(key, ['tcp', f, policy]);
  }
}

/** One connection's reporting: byte deltas since the last report, the series once chosen. */
export class TcpConnectionStats {
  private series: TcpSeries | undefined;
  private sentReported = 0;
  private receivedReported = 0;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly owner: IstioTcpStats,
    private readonly down: Socket,
    private readonly cluster: Cluster | undefined,
    private readonly clock: Clock,
  ) {}

  private choose(flags: string, up: Socket | undefined): TcpSeries {
    let peer = '';
    let local = '';
    if (this.owner.reporter === 'destination') [peer, local] = socketUriSans(this.down);
    else if (up !== undefined) [peer, local] = socketUriSans(up);
    const s = this.owner.series(peer, local, this.cluster, flags);
    if (!this.owner.settings.dropped.has('tcp_connections_opened_total')) {
      s.opened++;
      s.seen |= TCP_OPENED;
    }
    this.series = s;
    return s;
  }

  /** The upstream connection is up (after its TLS handshake, if any): the connection counts as opened. */
  connected(up: Socket, bytes: () => { sent: number; received: number }): void {
    if (this.closed || this.series !== undefined) return;
    this.choose('', up);
    const period = this.owner.settings.tcpReportingMs;
    const tick = (): void => {
      if (this.closed) return;
      const b = bytes();
      this.report(b.sent, b.received);
      this.timer = this.clock.setTimeout(tick, period);
    };
    this.timer = this.clock.setTimeout(tick, period);
  }

  /** Adds what was sent (to downstream) and received (from downstream) since the last report. */
  private report(sent: number, received: number): void {
    const s = this.series;
    if (s === undefined) return;
    const dropped = this.owner.settings.dropped;
    if (!dropped.has('tcp_sent_bytes_total')) {
      s.sent += sent - this.sentReported;
      s.seen |= TCP_SENT;
    }
    if (!dropped.has('tcp_received_bytes_total')) {
      s.received += received - this.receivedReported;
      s.seen |= TCP_RECEIVED;
    }
    this.sentReported = sent;
    this.receivedReported = received;
  }

  /** The connection ended with `flags` (Envoy's, '' none) after sending and receiving these totals (bytes). */
  close(flags: string, sent: number, received: number): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const s = this.series ?? this.choose(flags, undefined);
    this.report(sent, received);
    if (!this.owner.settings.dropped.has('tcp_connections_closed_total')) {
      s.closed++;
      s.seen |= TCP_CLOSED;
    }
  }
}
