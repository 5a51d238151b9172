// The upstream half of an exchange: the request fields a codec fills, starting an attempt on a host (a
// pooled HTTP/1.1 connection or an HTTP/2 stream), writing the request head and body, replaying the body
// for retries (the UpstreamAttempts hooks), and dropping an attempt. HttpExchange adds routing, responses
// and local replies on top.

import type { CompiledRoute } from '../router/compiled-route.js';
import { type CompiledHeaderOps, setHeader } from '../router/header-ops.js';
import type { RequestMirrors } from '../router/mirror.js';
import type { RetryDecision } from '../router/retry-state.js';
import type { AttemptHooks, UpstreamAttempts } from '../router/upstream-attempts.js';
import type { ClusterEntry } from '../upstream/cluster-manager.js';
import type { Host, LbContext } from '../upstream/lb/types.js';
import type { H1UpstreamConnection } from '../upstream/pool/h1-connection.js';
import type { H2Pool } from '../upstream/pool/h2-pool.js';
import type { PoolWaiter, ResetReason, UpstreamResponseSink } from '../upstream/pool/types.js';
import { getHeader } from './h1-head.js';
import { H2UpstreamRequest } from './h2-upstream.js';
import { BODY_NO_HEALTHY_UPSTREAM, BODY_UPSTREAM_TIMEOUT, Flag } from './local-reply.js';

export abstract class ExchangeUpstream implements PoolWaiter<H1UpstreamConnection>, AttemptHooks {
  // Request, filled by the codec before dispatch().
  method = '';
  path = '';
  authority = '';
  scheme = 'http';
  /** Flat lower-case [name, value, …] without pseudo-headers and without host. */
  headers: string[] = [];
  protocol = 'HTTP/1.1';
  isGrpc = false;
  /** The request has a body still to come after the head. */
  requestHasBody = false;
  upgrade = '';
  // Exchange state.
  startMs = 0;
  route: CompiledRoute | undefined = undefined;
  cluster: ClusterEntry | undefined = undefined;
  host: Host | undefined = undefined;
  upstreamH1: H1UpstreamConnection | null = null;
  upstreamH2: H2UpstreamRequest | null = null;
  status = 0;
  flags = '';
  details = '';
  bytesIn = 0;
  bytesOut = 0;
  upstreamStartMs = 0;
  serviceTimeMs = -1;
  requestId = '';
  originalPath = '';
  responseStarted = false;
  exchangeDone = true;
  /** Upstream HTTP/1.1 request body needs chunk framing added (downstream gave payload only, no length). */
  upChunkEncode = false;
  /** Body bytes pass through exactly as framed (HTTP/1.1 on both sides). */
  rawBody = false;
  protected waitingPool: { cancel(w: PoolWaiter<H1UpstreamConnection>): void } | null = null;
  failureReason = '';
  /** Retries of this request (undefined without a retry policy). */
  attempts: UpstreamAttempts | undefined = undefined;
  /** An upstream attempt holds `host` (its activeRequests counts this request). */
  protected attemptActive = false;
  /** onUpstreamReady was called (later attempts replay the body instead). */
  protected readySignalled = false;
  /** The downstream request body has ended (upEnd was called). */
  protected requestBodyComplete = false;
  /** A circuit breaker refused the request (local reply carries x-envoy-overloaded). */
  protected overloaded = false;
  /** Shadow copies of this request (request_mirror_policies), fed the body as it streams. */
  mirrors: RequestMirrors | undefined = undefined;
  /** The route's request hash for every host pick of this request (RING_HASH, MAGLEV). */
  lbCtx: LbContext = {};

  /** Whether the downstream speaks HTTP/1.1 (raw framing possible). */
  protected abstract readonly downstreamIsH1: boolean;
  /** The upstream is attached and the head written: start or resume sending the request body. */
  protected abstract onUpstreamReady(): void;
  /** Where upstream response events go (the exchange itself). */
  protected abstract get sink(): UpstreamResponseSink;
  abstract onUpstreamReset(reason: ResetReason, detail: string): void;
  /** The upstream can take request body again (resume a paused client). */
  abstract onUpstreamDrain(): void;
  abstract addFlag(f: string): void;
  /** Request body activity (pushes back the stream idle timeout). */
  protected abstract touchActivity(): void;
  abstract localReply(
    status: number,
    body: string,
    flag: string,
    details: string,
    ops?: CompiledHeaderOps,
    location?: string,
  ): void;

  /** Starts one upstream attempt on `host` (the first, or a retry). */
  protected startUpstream(cluster: ClusterEntry, host: Host): void {
    this.host = host;
    host.activeRequests++;
    this.attemptActive = true;
    cluster.stats.upstreamRqTotal.inc();
    const attempts = this.attempts;
    if (attempts !== undefined) {
      // [resilience] Which try this is (Envoy's x-envoy-attempt-count), for the upstream to see.
      setHeader(this.headers, 'x-envoy-attempt-count', String(attempts.retry.attemptCount));
      attempts.attemptStarted(host);
    }
    if ((cluster.http2 || this.isGrpc) && this.upgrade === '') {
      this.rawBody = false;
      this.startH2(cluster, host);
    } else {
      this.rawBody = this.downstreamIsH1;
      let pool: ReturnType<ClusterEntry['h1Pool']>;
      try {
        pool = cluster.h1Pool(host);
      } catch {
        // Upstream TLS secrets not available yet: nothing can connect.
        this.onUpstreamReset('connection failure', '');
        return;
      }
      const conn = pool.acquire(this);
      if (conn !== null) this.onPoolReady(conn);
      else if (!this.exchangeDone && this.upstreamH1 === null) this.waitingPool = pool;
    }
  }

  /** The upstream of an attempt is attached and its head written. */
  protected attemptReady(): void {
    if (!this.readySignalled) {
      this.readySignalled = true;
      this.onUpstreamReady();
      return;
    }
    // A retry: replay the body seen so far; the codec keeps streaming the rest.
    const body = this.attempts?.body;
    let accepted = true;
    if (body !== undefined)
      for (const c of body.chunks()) accepted = this.writeUpstream(c, 0, c.length) && accepted;
    if (this.requestBodyComplete) this.endUpstream(null);
    // The client may be paused for the failed attempt's back-pressure, whose drain will never come: when the
    // new upstream took the replay without pushing back, let the body flow again (else its drain will).
    else if (accepted) this.onUpstreamDrain();
  }

  startAttempt(_attemptCount: number): void {
    const cluster = this.cluster;
    const attempts = this.attempts;
    if (this.exchangeDone || cluster === undefined || attempts === undefined) return;
    let host = cluster.choose(attempts.retry.lbContext(this.lbCtx));
    for (let i = 1; host !== undefined && i < attempts.retry.hostSelectionMaxAttempts; i++) {
      if (!attempts.retry.shouldSelectAnotherHost(host)) break;
      host = cluster.choose(attempts.retry.lbContext(this.lbCtx));
    }
    if (host === undefined) {
      cluster.stats.upstreamCxNoneHealthy.inc();
      this.localReply(503, BODY_NO_HEALTHY_UPSTREAM, Flag.NoHealthyUpstream, 'no_healthy_upstream');
      return;
    }
    this.startUpstream(cluster, host);
  }

  abortAttempt(): void {
    this.abortUpstream();
    this.endAttempt();
  }

  perTryTimedOut(decision: RetryDecision): void {
    if (!decision.retry && decision.flag !== undefined) this.addFlag(decision.flag);
    this.cluster?.stats.upstreamRqTimeout.inc();
    this.localReply(504, BODY_UPSTREAM_TIMEOUT, Flag.UpstreamRequestTimeout, 'upstream_per_try_timeout');
  }

  protected endAttempt(): void {
    if (!this.attemptActive) return;
    this.attemptActive = false;
    if (this.host !== undefined) this.host.activeRequests--;
  }

  protected startH2(cluster: ClusterEntry, host: Host): void {
    let session: ReturnType<H2Pool['get']>;
    try {
      session = cluster.h2Pool(host).get();
    } catch {
      session = undefined;
    }
    if (session === undefined) {
      this.onUpstreamReset('connection failure', '');
      return;
    }
    const req = new H2UpstreamRequest(this.sink, session, cluster.h2Pool(host));
    this.upstreamH2 = req;
    req.start(this.method, this.scheme, this.authority, this.path, this.headers, !this.requestHasBody);
    if (this.upstreamH2 === req) this.attemptReady();
  }

  onPoolReady(conn: H1UpstreamConnection): void {
    this.waitingPool = null;
    this.upstreamH1 = conn;
    conn.attach(this.sink, this.method);
    this.upChunkEncode =
      !this.downstreamIsH1 && this.requestHasBody && getHeader(this.headers, 'content-length') === undefined;
    let head = `${this.method} ${this.path} HTTP/1.1\r\nhost: ${this.authority}\r\n`;
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i];
      if (name === '') continue;
      if (!this.downstreamIsH1 && (name === 'transfer-encoding' || name === 'te')) continue;
      head += `${name}: ${h[i + 1]}\r\n`;
    }
    if (this.upChunkEncode) head += 'transfer-encoding: chunked\r\n';
    conn.writeHead(`${head}\r\n`);
    this.attemptReady();
  }

  onPoolFailure(reason: ResetReason): void {
    this.waitingPool = null;
    if (reason === 'overflow') this.overloaded = true;
    this.onUpstreamReset(reason, '');
  }

  /** Writes request body bytes (payload, or raw framing when rawBody) upstream. Returns false on backpressure. */
  upWrite(buf: Buffer, start: number, end: number): boolean {
    if (end <= start) return true;
    this.bytesIn += end - start;
    this.touchActivity();
    // Kept for replays while a retry is still possible.
    this.attempts?.body?.append(buf, start, end);
    this.mirrors?.write(buf, start, end);
    return this.writeUpstream(buf, start, end);
  }

  protected writeUpstream(buf: Buffer, start: number, end: number): boolean {
    const slice = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
    if (this.upstreamH1 !== null) {
      if (this.upChunkEncode) this.upstreamH1.write(`${(end - start).toString(16)}\r\n`);
      const ok = this.upstreamH1.write(slice);
      if (this.upChunkEncode) return this.upstreamH1.write('\r\n') && ok;
      return ok;
    }
    if (this.upstreamH2 !== null) return this.upstreamH2.write(slice);
    return true;
  }

  /** The request body is complete. */
  upEnd(trailers: string[] | null): void {
    this.requestBodyComplete = true;
    this.attempts?.body?.end();
    this.mirrors?.end(trailers);
    this.endUpstream(trailers);
  }

  protected endUpstream(trailers: string[] | null): void {
    if (this.upstreamH1 !== null) {
      if (this.upChunkEncode) this.upstreamH1.write('0\r\n\r\n');
      this.upstreamH1.endRequest();
    } else if (this.upstreamH2 !== null) this.upstreamH2.end(trailers);
  }

  /** Drops the upstream side (downstream went away, timeout). */
  abortUpstream(): void {
    if (this.waitingPool !== null) {
      this.waitingPool.cancel(this);
      this.waitingPool = null;
    }
    if (this.upstreamH1 !== null) {
      this.upstreamH1.abort();
      this.upstreamH1 = null;
    }
    if (this.upstreamH2 !== null) {
      this.upstreamH2.abort();
      this.upstreamH2 = null;
    }
  }
}
