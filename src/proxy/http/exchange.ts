// One request/response exchange, independent of the downstream codec: route the request, apply the
// connection manager's and route's header edits, pick a cluster and host, talk to the upstream over an
// HTTP/1.1 pooled connection or an HTTP/2 stream, relay the response, send Envoy-style local replies,
// count stats, emit the access log entry and Istio's metrics. H1 and H2 downstream codecs subclass it;
// timeout headers, response head edits and local reply heads are in exchange-headers.ts.
import type { Socket } from 'node:net';
import { chainHasCors, corsCounters, evaluateCors } from '../filters/http/cors/cors.js';
import { grpcStatusIn, upstreamLocalUriSan } from '../filters/http/istio-stats/upstream-identity.js';
import type { PeerInfo } from '../filters/http/peer-metadata/peer-info.js';
import { RequestFilters } from '../filters/http/request-filters.js';
import {
  ActionKind,
  type CompiledRoute,
  pickWeighted,
  redirectLocation,
  rewritePath,
} from '../router/compiled-route.js';
import { applyHeaderOps, type CompiledHeaderOps, setHeader } from '../router/header-ops.js';
import { startMirrors } from '../router/mirror.js';
import { lbUsesHash, routerHash } from '../router/request-hash.js';
import { RetryState } from '../router/retry-state.js';
import { streamLimits } from '../router/stream-timers.js';
import { UpstreamAttempts } from '../router/upstream-attempts.js';
import type { LbContext } from '../upstream/lb/types.js';
import type { ResetReason, UpstreamResponseSink } from '../upstream/pool/types.js';
import { buildAccessLogEntry } from './access-log-build.js';
import type { AccessLogEntry } from './access-log-entry.js';
import { type ConnectionSecurity, PLAINTEXT, upstreamPeerUriSan } from './connection-security.js';
import { ExchangeDeadlines } from './exchange-deadlines.js';
import {
  attemptOutcomeOf,
  editUpstreamResponseHeaders,
  localReplyHead,
  requestTimeout,
  resetFlag,
} from './exchange-headers.js';
import type { MessageHead } from './h1-head.js';
import type { HcmRuntime } from './hcm.js';
import { BODY_NO_HEALTHY_UPSTREAM, Flag, upstreamResetBody } from './local-reply.js';
import { prepareRequestHeaders } from './request-headers.js';

const NO_OPS: CompiledHeaderOps = [];
const NO_CTX: LbContext = {};

/** `host[:port]` with `port` added when absent (IPv6 literals keep their brackets). */
function withDefaultPort(authority: string, port: number): string {
  const colon = authority.lastIndexOf(':');
  return colon > authority.lastIndexOf(']') ? authority : `${authority}:${port}`;
}

export { resetFlag };

export abstract class HttpExchange extends ExchangeDeadlines implements UpstreamResponseSink {
  /** Response header edits of the picked weighted cluster. */
  weightedResponseOps: CompiledHeaderOps = NO_OPS;
  /** The picked weighted cluster's host rewrite, which wins over the route's. */
  private weightedHostRewrite: string | undefined = undefined;
  /** The resilience filters' per-request state (fault, local rate limit), when the chain has any. */
  requestFilters: RequestFilters | undefined = undefined;
  /** gRPC local replies send this grpc-status instead of the one mapped from the HTTP status; -1: none. */
  grpcStatusOverride = -1;
  /** upstream_rq_active and the max_requests breaker count this request. */
  private counted = false;
  /** CORS headers for the response of an allowed cross-origin request; a generated hash cookie. */
  corsHeaders: string[] | undefined = undefined;
  hashCookie: string | undefined = undefined;
  /** What the downstream connection proved (mTLS, peer SPIFFE ID); set by the codec for TLS connections. */
  security: ConnectionSecurity = PLAINTEXT;
  /** The calling workload, from Istio's peer metadata headers (inbound istio.metadata_exchange). */
  downstreamPeer: PeerInfo | undefined = undefined;
  /** The called workload, from the upstream's response headers (outbound istio.metadata_exchange). */
  upstreamPeer: PeerInfo | undefined = undefined;
  /** Which peer metadata headers the caller sent (peer-metadata.ts SENT_* bits), answered on the response. */
  peerEcho = 0;
  /** The upstream certificate's URI SAN for this request's response ('' for plain text). */
  upstreamPeerUriSan = '';
  /** Our certificate's URI SAN on that upstream connection (metrics' source_principal outbound). */
  upstreamLocalUriSan = '';
  /** The response's grpc-status (trailers, headers or a local reply's); '' none. For Istio's metrics. */
  grpcStatus = '';
  constructor(
    public hcm: HcmRuntime,
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly localAddress: string,
  ) {
    super();
  }

  protected get sink(): UpstreamResponseSink {
    return this;
  }

  /** The caller's verified SPIFFE ID ('' unless mutual TLS): authorization's principal, metrics' source_principal. */
  get downstreamPeerPrincipal(): string {
    return this.security.peerUriSan;
  }

  /** Istio's connection_security_policy label: `mutual_tls` or `none`. */
  get connectionSecurityPolicy(): 'mutual_tls' | 'none' {
    return this.security.policy;
  }

  /** Our own SPIFFE ID on this connection ('' without TLS): metrics' destination_principal inbound. */
  get downstreamLocalPrincipal(): string {
    return this.security.localUriSan;
  }

  /** Sends the response head; `length` is the body length or -1 if unknown. */
  protected abstract sendHead(status: number, headers: string[], length: number, endStream: boolean): void;
  protected abstract sendBody(buf: Buffer, start: number, end: number): void;
  protected abstract sendEnd(trailers: string[] | null): void;
  /** The response broke after its head went out: reset the downstream stream/connection. */
  protected abstract override resetDownstream(): void;
  /** The exchange ended (stats done); the codec moves on. */
  protected abstract onExchangeEnd(): void;
  abstract override onUpstreamDrain(): void;
  abstract onUpstreamUpgrade(head: MessageHead, socket: Socket, rest: Buffer | null): void;

  /** Routes the request and either replies locally or starts the upstream request. */
  dispatch(): void {
    const hcm = this.hcm;
    const st = hcm.stats;
    const svc = hcm.services;
    this.exchangeDone = false;
    this.responseStarted = false;
    this.status = 0;
    this.flags = '';
    this.details = '';
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.serviceTimeMs = -1;
    this.route = undefined;
    this.cluster = undefined;
    this.host = undefined;
    this.weightedResponseOps = NO_OPS;
    this.weightedHostRewrite = undefined;
    this.failureReason = '';
    this.overloaded = false;
    this.grpcStatusOverride = -1;
    this.readySignalled = false;
    this.requestBodyComplete = false;
    this.startMs = svc.now();
    this.originalPath = '';
    this.mirrors = undefined;
    this.lbCtx = NO_CTX;
    this.corsHeaders = undefined;
    this.hashCookie = undefined;
    st.rqTotal.inc();
    st.rqActive.inc();
    const cfg = hcm.config;
    const h = this.headers;
    this.requestId = prepareRequestHeaders(
      h,
      cfg,
      this.upgrade !== '',
      this.remoteAddress,
      this.scheme,
      this.security,
    );
    this.upstreamPeerUriSan = '';
    this.upstreamLocalUriSan = '';
    this.grpcStatus = '';
    const mx = hcm.peerMetadata;
    if (mx !== undefined) mx.onRequest(h, this);
    else if (this.downstreamPeer !== undefined || this.upstreamPeer !== undefined) {
      this.downstreamPeer = undefined;
      this.upstreamPeer = undefined;
    }
    if (cfg.stripAnyHostPort) {
      const c = this.authority.lastIndexOf(':');
      if (c > 0 && this.authority.indexOf(']', c) < 0) this.authority = this.authority.slice(0, c);
    }
    const table = hcm.routes.table;
    const route = table?.match(this);
    if (route === undefined) {
      st.noRoute.inc();
      this.localReply(404, '', Flag.NoRouteFound, 'route_not_found');
      return;
    }
    this.route = route;
    if (route.cors !== undefined && chainHasCors(cfg.httpFilters)) {
      const cors = evaluateCors(route.cors, this.method, h, corsCounters(svc.stats, cfg.statPrefix));
      if (cors.kind !== 'none') this.corsHeaders = cors.headers;
      if (cors.kind === 'preflight') {
        this.localReply(200, '', '', 'cors_response');
        return;
      }
    }
    if (route.kind === ActionKind.Direct) {
      st.rqDirectResponse.inc();
      this.localReply(route.directStatus, route.directBody, '', 'direct_response', route.responseOps);
      return;
    }
    if (route.kind === ActionKind.Redirect) {
      st.rqRedirect.inc();
      const loc = redirectLocation(route.redirect!, route, this.scheme, this.authority, this.path);
      this.localReply(route.redirect!.status, '', '', 'direct_response', route.responseOps, loc);
      return;
    }
    if (this.upgrade !== '' && !hcm.upgrades.has(this.upgrade) && !route.upgrades.has(this.upgrade)) {
      st.rqWsOnNonWsRoute.inc();
      this.localReply(403, '', '', 'upgrade_failed');
      return;
    }
    let clusterName = route.cluster;
    let requestOps: CompiledHeaderOps = NO_OPS;
    if (clusterName === '') {
      const w = pickWeighted(route, svc.random);
      clusterName = w.name;
      requestOps = w.requestOps;
      this.weightedResponseOps = w.responseOps;
      this.weightedHostRewrite = w.hostRewrite;
    }
    const filters = hcm.filters;
    if (filters !== undefined) {
      // Fault injection and local rate limits run before the router, as Envoy's filter chain does.
      const rf = new RequestFilters(filters, this, svc.scheduler, svc.rng);
      this.requestFilters = rf;
      const go = rf.run(route, table?.config, clusterName, () =>
        this.forward(route, clusterName, requestOps),
      );
      if (!go) return;
    }
    this.forward(route, clusterName, requestOps);
  }

  /** The router's part: cluster, retries, host, request edits, then the first upstream attempt. */
  private forward(route: CompiledRoute, clusterName: string, requestOps: CompiledHeaderOps): void {
    const hcm = this.hcm;
    const svc = hcm.services;
    const h = this.headers;
    const cluster = svc.clusters.get(clusterName);
    if (cluster === undefined) {
      hcm.stats.noCluster.inc();
      this.localReply(503, '', Flag.NoClusterFound, 'cluster_not_found');
      return;
    }
    this.cluster = cluster;
    hcm.peerMetadata?.onUpstreamRequest(h, cluster.cluster);
    let attempts: UpstreamAttempts | undefined;
    if (route.retryPolicy !== undefined) {
      const res = cluster.resilience;
      const retry = new RetryState(route.retryPolicy, {
        random: svc.rng,
        resources: res.breakers.default,
        stats: res.retryStats,
        request: this,
      });
      if (retry.enabled) {
        attempts = new UpstreamAttempts(retry, this, {
          clock: svc.scheduler,
          perTryTimeoutMs: retry.perTryTimeoutMs,
          outlier: res.outlier,
          perTryTimeoutCounter: cluster.stats.set.counter.upstream_rq_per_try_timeout,
        });
      }
    }
    this.attempts = attempts;
    const action = route.route.action;
    if (action.kind === 'forward' && action.hashPolicies.length > 0 && lbUsesHash(cluster.cluster.lbPolicy)) {
      const rh = routerHash(action.hashPolicies, this);
      this.lbCtx = rh.ctx;
      this.hashCookie = rh.setCookie;
    }
    // PassthroughCluster (ORIGINAL_DST): the request goes where it was going, its authority (port 80 by default).
    if (cluster.cluster.type === 'ORIGINAL_DST')
      this.lbCtx = { ...this.lbCtx, originalDestination: withDefaultPort(this.authority, 80) };
    const host = cluster.choose(attempts === undefined ? this.lbCtx : attempts.retry.lbContext(this.lbCtx));
    if (host === undefined) {
      cluster.stats.upstreamCxNoneHealthy.inc();
      this.localReply(503, BODY_NO_HEALTHY_UPSTREAM, Flag.NoHealthyUpstream, 'no_healthy_upstream');
      return;
    }
    const breakers = cluster.resilience.breakers.default;
    if (!breakers.requests.canCreate()) {
      cluster.resilience.breakers.pendingOverflow?.inc();
      this.overloaded = true;
      this.localReply(
        503,
        upstreamResetBody('overflow'),
        Flag.UpstreamOverflow,
        'upstream_reset_before_response_started{overflow}',
      );
      return;
    }
    breakers.requestStarted();
    cluster.stats.upstreamRqActive.inc();
    this.counted = true;
    if (this.upgrade !== '' && this.downstreamIsH1) h.push('connection', 'upgrade');
    const timeoutMs = requestTimeout(route, h, this.isGrpc);
    const rewritten = rewritePath(route, this.path);
    if (rewritten !== undefined) {
      this.originalPath = this.path;
      setHeader(h, 'x-envoy-original-path', this.path);
      this.path = rewritten;
    }
    const hostRewrite = this.weightedHostRewrite ?? route.hostRewrite;
    if (hostRewrite !== undefined) this.authority = hostRewrite;
    else if (route.autoHostRewrite) this.authority = host.key;
    applyHeaderOps(h, requestOps);
    applyHeaderOps(h, route.requestOps);
    this.startDeadlines(timeoutMs, streamLimits(action.kind === 'forward' ? action : {}, hcm.config));
    this.upstreamStartMs = this.startMs;
    if (action.kind === 'forward' && action.mirrors.length > 0)
      this.mirrors = startMirrors(action.mirrors, this, this.downstreamIsH1, timeoutMs, {
        clusters: svc.clusters,
        random: svc.random,
        now: svc.now,
        primary: cluster,
        lbContext: this.lbCtx,
      });
    this.startUpstream(cluster, host);
  }

  // ---- upstream response events ----

  onUpstreamHead(head: MessageHead): void {
    const cluster = this.cluster!;
    const attempts = this.attempts;
    if (attempts !== undefined) {
      const d = attempts.onResponseHead(head.status, head.headers);
      if (d.retry) return; // the attempt was dropped; the next one is scheduled
      if (d.flag !== undefined) this.addFlag(d.flag);
    }
    const outlier = attempts === undefined ? cluster.resilience.outlier : undefined;
    if (outlier !== undefined && this.host !== undefined) {
      outlier.reportLocalOrigin(this.host, 'success');
      outlier.reportResult(this.host, head.status);
    }
    const up1 = this.upstreamH1;
    const metrics = this.hcm.istioStats !== undefined;
    if (up1 !== null) {
      this.upstreamPeerUriSan = upstreamPeerUriSan(up1.socket, up1.socket);
      if (metrics) this.upstreamLocalUriSan = upstreamLocalUriSan(up1.socket, up1.socket);
    } else if (this.upstreamH2 !== null) {
      const session = this.upstreamH2.session;
      this.upstreamPeerUriSan = upstreamPeerUriSan(session, session.socket);
      if (metrics) this.upstreamLocalUriSan = upstreamLocalUriSan(session, session.socket);
    }
    this.serviceTimeMs = this.hcm.services.now() - this.upstreamStartMs;
    this.lastActivityMs = this.upstreamStartMs + this.serviceTimeMs;
    cluster.stats.response(head.status, this.serviceTimeMs);
    const h = head.headers;
    if (metrics && this.isGrpc) this.grpcStatus = grpcStatusIn(h);
    editUpstreamResponseHeaders(this, h);
    this.status = head.status;
    this.responseStarted = true;
    const length = head.bodyMode === 1 ? head.contentLength : head.bodyMode === 0 ? 0 : -1;
    this.sendHead(head.status, h, length, head.bodyMode === 0);
  }

  onUpstreamBody(buf: Buffer, start: number, end: number): void {
    this.touchActivity();
    this.bytesOut += end - start;
    this.sendBody(buf, start, end);
  }

  onUpstreamEnd(trailers: string[] | null): void {
    this.upstreamH1 = null;
    this.upstreamH2 = null;
    if (this.exchangeDone) return;
    if (this.isGrpc && trailers !== null && this.hcm.istioStats !== undefined) {
      const g = grpcStatusIn(trailers);
      if (g !== '') this.grpcStatus = g;
    }
    this.sendEnd(trailers);
    this.finish();
  }

  onUpstreamReset(reason: ResetReason, _detail: string): void {
    this.upstreamH1 = null;
    this.upstreamH2 = null;
    if (this.exchangeDone) return;
    this.failureReason = reason;
    const attempts = this.attempts;
    if (attempts !== undefined && !this.responseStarted) {
      const d = attempts.onAttemptFailed(attemptOutcomeOf(reason));
      if (d.retry) return;
      if (d.flag !== undefined) this.addFlag(d.flag);
    }
    const outlier = attempts === undefined ? this.cluster?.resilience.outlier : undefined;
    if (outlier !== undefined && this.host !== undefined && reason !== 'overflow') {
      const connect = reason === 'connection failure' || reason === 'connection timeout';
      outlier.reportLocalOrigin(this.host, connect ? 'connect-failure' : 'reset');
    }
    if (this.cluster !== undefined && reason !== 'connection failure' && reason !== 'connection timeout')
      this.cluster.stats.upstreamRqRxReset.inc();
    const flag = resetFlag(reason);
    if (this.responseStarted) {
      // Mid-response: the client's stream is reset too, flagged with why the upstream went away.
      this.addFlag(flag);
      this.resetDownstream();
      this.finish();
      return;
    }
    this.localReply(
      503,
      upstreamResetBody(reason),
      flag,
      `upstream_reset_before_response_started{${reason}}`,
    );
  }

  /** The downstream connection or stream went away before the exchange finished. */
  downstreamReset(): void {
    if (this.exchangeDone) return;
    this.hcm.stats.rqRxReset.inc();
    this.addFlag(Flag.DownstreamConnectionTermination);
    this.abortUpstream();
    this.finish();
  }

  addFlag(f: string): void {
    this.flags = this.flags === '' ? f : `${this.flags},${f}`;
  }

  /** Sends a locally generated response (Envoy's local reply), gRPC-shaped for gRPC requests. */
  localReply(
    status: number,
    body: string,
    flag: string,
    details: string,
    ops: CompiledHeaderOps = NO_OPS,
    location?: string,
  ): void {
    if (flag !== '') this.addFlag(flag);
    this.details = details;
    this.abortUpstream();
    const reply = localReplyHead(this, status, body, ops, location, this.overloaded);
    this.grpcStatus = reply.grpcStatus;
    status = reply.status;
    this.status = status;
    this.responseStarted = true;
    const bytes = reply.body === '' ? null : Buffer.from(reply.body, 'utf8');
    this.sendHead(status, reply.headers, bytes === null ? 0 : bytes.length, bytes === null);
    if (bytes !== null) {
      this.bytesOut += bytes.length;
      this.sendBody(bytes, 0, bytes.length);
    }
    this.sendEnd(null);
    this.finish();
  }

  /** Bookkeeping at the end of every exchange; then the codec continues. */
  protected finish(): void {
    if (this.exchangeDone) return;
    this.exchangeDone = true;
    this.clearDeadlines(!this.downstreamIsH1);
    const st = this.hcm.stats;
    st.rqActive.dec();
    if (this.status > 0) st.set.recordResponse(this.status, this.hcm.services.now() - this.startMs);
    else st.rqCompleted.inc();
    this.endAttempt();
    if (this.counted) {
      this.counted = false;
      this.cluster!.stats.upstreamRqActive.dec();
      this.cluster!.resilience.breakers.default.requestEnded();
    }
    if (this.attempts !== undefined) {
      this.attempts.finish();
      this.attempts = undefined;
    }
    if (this.requestFilters !== undefined) {
      this.requestFilters.end();
      this.requestFilters = undefined;
    }
    if (this.mirrors !== undefined) {
      if (!this.requestBodyComplete) this.mirrors.originalDone();
      this.mirrors = undefined;
    }
    const sink = this.hcm.accessLog;
    if (sink !== undefined) sink.log(this.accessLogEntry());
    // Istio's standard metrics (istio.stats), next to the access log as Envoy runs it.
    this.hcm.istioStats?.record(this, this.hcm.services.now());
    // A reply the codec sends before the next dispatch (e.g. a malformed request) has no peer of its own.
    this.peerEcho = 0;
    this.downstreamPeer = undefined;
    this.upstreamPeer = undefined;
    this.onExchangeEnd();
  }

  accessLogEntry(): AccessLogEntry {
    return buildAccessLogEntry(this);
  }
}
