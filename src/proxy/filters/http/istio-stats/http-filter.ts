// The `istio.stats` HTTP filter at run time, one per connection manager: at the end of each request it
// records istio_requests_total, istio_request_duration_milliseconds, istio_request_bytes and
// istio_response_bytes. reporter=destination on inbound listeners (the caller is the peer), source on
// outbound and gateway ones (the callee is the peer). Label heads are cached per (peer object, identities,
// service), so a steady request costs a few map lookups, one short key and four counter updates.
import type { Cluster } from '../../../config/cluster.js';
import type { HttpFilter } from '../../../config/listener.js';
import type { ConnectionSecurity } from '../../../http/connection-security.js';
import { grpcStatusForHttp } from '../../../http/local-reply.js';
import { parseResponseFlags, responseFlagsToString } from '../../../stats/access-log/response-flags.js';
import type { StatsStore } from '../../../stats/store.js';
import type { PeerInfo } from '../peer-metadata/peer-info.js';
import type { LocalPeer } from '../peer-metadata/peer-metadata.js';
import { decodeIstioStatsSettings, type IstioStatsSettings } from './config.js';
import {
  BLACK_HOLE_SERVICE,
  headValues,
  PASSTHROUGH_SERVICE,
  type Reporter,
  type ServiceLabels,
  serviceOfAuthority,
  serviceOfCluster,
  UNKNOWN,
  type WorkloadLabels,
  workloadOf,
} from './labels.js';
import { ISTIO_STATS_FILTER_NAME } from './plugin-config.js';
import {
  type Head,
  HTTP_DURATION,
  HTTP_REQUEST_BYTES,
  HTTP_REQUESTS,
  HTTP_RESPONSE_BYTES,
  type HttpSeries,
  type IstioMetrics,
  istioMetricsOf,
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

/** Envoy's %RESPONSE_FLAGS% order for a flags string as the exchange accumulates it. */
const flagsMemo = new Map<string, string>();
export function metricFlags(flags: string): string {
  if (flags === '') return '-';
  let s = flagsMemo.get(flags);
  if (s === undefined) {
    s = responseFlagsToString(parseResponseFlags(flags));
    if (flagsMemo.size < 4096) flagsMemo.set(flags, s);
  }
  return s;
}

const NO_PEER = {};
const NO_WORKLOAD: WorkloadLabels = {
  workload: '',
  namespace: '',
  app: '',
  version: '',
  canonicalService: '',
  canonicalRevision: '',
  cluster: '',
};

/** The workload labels of this proxy's node ('' everywhere when the node sent no metadata). */
export function localWorkload(local: LocalPeer | undefined): WorkloadLabels {
  return workloadOf(local?.info) ?? NO_WORKLOAD;
}

/** The part shared by the HTTP and TCP sides: settings, reporter, local labels and head caching. */
export class IstioStatsBase {
  readonly metrics: IstioMetrics;
  readonly local: WorkloadLabels;
  private readonly heads = new WeakMap<object, Map<string, Head>>();
  // The last head found and what found it: steady traffic between two workloads skips the maps.
  private lastPeer: PeerInfo | undefined;
  private lastPeerPrincipal = '';
  private lastLocalPrincipal = '';
  private lastService: ServiceLabels | undefined;
  private lastHead: Head | undefined;

  constructor(
    readonly settings: IstioStatsSettings,
    readonly reporter: Reporter,
    local: LocalPeer | undefined,
    store: StatsStore,
  ) {
    this.metrics = istioMetricsOf(store);
    this.local = localWorkload(local);
  }

  /** The head for a peer (object identity), the SPIFFE IDs ('' unknown) and the service. */
  head(peer: PeerInfo | undefined, peerPrincipal: string, localPrincipal: string, svc: ServiceLabels): Head {
    if (
      this.lastHead !== undefined &&
      peer === this.lastPeer &&
      svc === this.lastService &&
      peerPrincipal === this.lastPeerPrincipal &&
      localPrincipal === this.lastLocalPrincipal
    )
      return this.lastHead;
    const pk = peer ?? NO_PEER;
    let byKey = this.heads.get(pk);
    if (byKey === undefined) {
      byKey = new Map();
      this.heads.set(pk, byKey);
    }
    const key = `${peerPrincipal}\u0000${localPrincipal}\u0000${svc.id}`;
    let h = byKey.get(key);
    if (h === undefined) {
      const values = headValues(
        this.reporter,
        this.local,
        workloadOf(peer),
        peerPrincipal,
        localPrincipal,
        svc,
      );
      h = this.metrics.head(values);
      byKey.set(key, h);
    }
    this.lastPeer = peer;
    this.lastService = svc;
    this.lastPeerPrincipal = peerPrincipal;
    this.lastLocalPrincipal = localPrincipal;
    this.lastHead = h;
    return h;
  }

  /** Istio's connection_security_policy: known only on the server side. */
  securityPolicy(peerPrincipal: string, localPrincipal: string): string {
    if (this.reporter === 'source') return UNKNOWN;
    return peerPrincipal !== '' && localPrincipal !== '' ? 'mutual_tls' : 'none';
  }
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

/** Reporter of a listener direction; without one, Istio's inbound stat prefix says so. */
export function reporterFor(direction: string | undefined, statPrefix: string): Reporter {
  if (direction === 'INBOUND') return 'destination';
  if (direction === 'OUTBOUND') return 'source';
  return statPrefix.startsWith('inbound') ? 'destination' : 'source';
}
