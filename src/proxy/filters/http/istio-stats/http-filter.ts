// The `istio.stats` HTTP filter at run time, one per connection manager: at the end of each request it
// records istio_requests_total, istio_request_duration_milliseconds, istio_request_bytes and
// istio_response_bytes. reporter=destination on inbound listeners (the caller is the peer), source on
// outbound and gateway ones (the callee is the peer). Plain HTTP series without flags are found by status
// code under the remembered head (base.ts), so a steady request costs a few comparisons and four updates.
import type { Cluster } from '../../../config/cluster.js';
import type { HttpFilter } from '../../../config/listener.js';
import type { ConnectionSecurity } from '../../../http/connection-security.js';
import { grpcStatusForHttp } from '../../../http/local-reply.js';
import type { StatsStore } from '../../../stats/store.js';
import type { PeerInfo } from '../peer-metadata/peer-info.js';
import type { LocalPeer } from '../peer-metadata/peer-metadata.js';
import { IstioStatsBase, metricFlags } from './base.js';
import { decodeIstioStatsSettings, type IstioStatsSettings } from './config.js';
import {
  BLACK_HOLE_SERVICE,
  PASSTHROUGH_SERVICE,
  type Reporter,
  type ServiceLabels,
  serviceOfAuthority,
  serviceOfCluster,
} from './labels.js';
import { ISTIO_STATS_FILTER_NAME } from './plugin-config.js';
import {
  type Head,
  HTTP_DURATION,
  HTTP_REQUEST_BYTES,
  HTTP_REQUESTS,
  HTTP_RESPONSE_BYTES,
  type HttpSeries,
} from './registry.js';

/** What the filter reads from a finished exchange (HttpExchange provides it). */
export interface IstioStatsRequest {
  readonly isGrpc: boolean;
  /** 0 when no response was sent. */
  readonly status: number;
  /** Response flags as added, comma-separated ('' none). */
  readonly flags: string;
  /** Request and response body bytes. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Request start, epoch ms. */
  readonly startMs: number;
  readonly authority: string;
  readonly security: ConnectionSecurity;
  readonly downstreamPeer: PeerInfo | undefined;
  readonly upstreamPeer: PeerInfo | undefined;
  readonly cluster: { readonly cluster: Cluster } | undefined;
  readonly route: { readonly name: string } | undefined;
  /** The upstream certificate's URI SAN and ours on that connection ('' plain text). */
  readonly upstreamPeerUriSan: string;
  readonly upstreamLocalUriSan: string;
  /** grpc-status of the response (trailers, else headers, else a local reply's); '' none. */
  readonly grpcStatus: string;
}

export class IstioHttpStats extends IstioStatsBase {
  private readonly tail: string[] = ['', '', '', '', ''];
  /** HTTP_* bits of the metrics this filter reports (all but the dropped ones). */
  private readonly recorded: number;

  constructor(
    settings: IstioStatsSettings,
    reporter: Reporter,
    local: LocalPeer | undefined,
    store: StatsStore,
  ) {
    super(settings, reporter, local, store);
    const d = settings.dropped;
    this.recorded =
      (d.has('requests_total') ? 0 : HTTP_REQUESTS) |
      (d.has('request_duration_milliseconds') ? 0 : HTTP_DURATION) |
      (d.has('request_bytes') ? 0 : HTTP_REQUEST_BYTES) |
      (d.has('response_bytes') ? 0 : HTTP_RESPONSE_BYTES);
  }

  /** The chain's filter, or undefined when it has none (the request path then skips it entirely). */
  static fromConfig(
    filters: readonly HttpFilter[],
    reporter: Reporter,
    local: LocalPeer | undefined,
    store: StatsStore,
  ): IstioHttpStats | undefined {
    const f = filters.find((x) => x.name === ISTIO_STATS_FILTER_NAME && !x.disabled);
    if (f === undefined) return undefined;
    const r = decodeIstioStatsSettings(f.config ?? {});
    if (!r.ok)
      throw new Error(
        `${ISTIO_STATS_FILTER_NAME}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      );
    return new IstioHttpStats(r.value, reporter, local, store);
  }

  private serviceOf(r: IstioStatsRequest): ServiceLabels {
    const route = r.route?.name;
    const svc =
      route === 'block_all'
        ? BLACK_HOLE_SERVICE
        : route === 'allow_any'
          ? PASSTHROUGH_SERVICE
          : serviceOfCluster(r.cluster?.cluster);
    if (svc.host !== '' || this.settings.disableHostHeaderFallback || r.authority === '') return svc;
    return serviceOfAuthority(r.authority, svc.name);
  }

  /** Records one finished request; `nowMs` is the end time (epoch ms). */
  record(r: IstioStatsRequest, nowMs: number): void {
    const inbound = this.reporter === 'destination';
    const peerPrincipal = inbound ? r.security.peerUriSan : r.upstreamPeerUriSan;
    const localPrincipal = inbound ? r.security.localUriSan : r.upstreamLocalUriSan;
    const head = this.head(
      inbound ? r.downstreamPeer : r.upstreamPeer,
      peerPrincipal,
      localPrincipal,
      this.serviceOf(r),
    );
    const code = r.status;
    // Plain HTTP without flags (most requests): the series by status alone, no key to build.
    const plain = !r.isGrpc && r.flags === '';
    let series = plain ? head.plainHttp.get(code) : undefined;
    if (series === undefined) {
      series = this.seriesOf(head, r, peerPrincipal, localPrincipal);
      if (plain) head.plainHttp.set(code, series);
    }
    series.requests++;
    series.duration.record(Math.max(0, nowMs - r.startMs));
    series.requestBytes.record(r.bytesIn);
    series.responseBytes.record(r.bytesOut);
    series.seen |= this.recorded;
  }

  private seriesOf(
    head: Head,
    r: IstioStatsRequest,
    peerPrincipal: string,
    localPrincipal: string,
  ): HttpSeries {
    const protocol = r.isGrpc ? 'grpc' : 'http';
    const code = r.status;
    const grpc = !r.isGrpc
      ? ''
      : r.grpcStatus !== ''
        ? r.grpcStatus
        : code > 0
          ? String(grpcStatusForHttp(code))
          : '';
    const flags = metricFlags(r.flags);
    const policy = this.securityPolicy(peerPrincipal, localPrincipal);
    const key = `${protocol}|${code}|${grpc}|${flags}|${policy}`;
    const series = head.http.get(key);
    if (series !== undefined) return series;
    const t = this.tail;
    t[0] = protocol;
    t[1] = String(code);
    t[2] = grpc;
    t[3] = flags;
    t[4] = policy;
    return head.httpSeries(key, t);
  }
}
