// One mirrored (shadow) request: sent to a host of the mirror cluster over a pooled HTTP/1.1 connection or an
// HTTP/2 stream, fed a copy of the original's body without ever pushing back on it (too much unsent body
// drops the copy), its response counted in the mirror cluster's stats and otherwise thrown away.
import type { Socket } from 'node:net';
import { type ChunkDataSink, ChunkedScanner, SCAN_ERROR } from '../http/chunked.js';
import { getHeader, type MessageHead } from '../http/h1-head.js';
import { H2UpstreamRequest } from '../http/h2-upstream.js';
import type { ClusterEntry } from '../upstream/cluster-manager.js';
import type { Host } from '../upstream/lb/types.js';
import type { H1UpstreamConnection } from '../upstream/pool/h1-connection.js';
import type { H1Pool } from '../upstream/pool/h1-pool.js';
import type { H2Pool } from '../upstream/pool/h2-pool.js';
import type { PoolWaiter, ResetReason, UpstreamResponseSink } from '../upstream/pool/types.js';

/** The request a shadow copies, as the router leaves it just before the original goes upstream. */
export interface ShadowSource {
  method: string;
  path: string;
  /** Already rewritten with the `-shadow` suffix. */
  authority: string;
  scheme: string;
  /** Flat lower-case [name, value, …]; the shadow keeps its own copy. */
  headers: readonly string[];
  isGrpc: boolean;
  requestHasBody: boolean;
  /** Body bytes arrive with their HTTP/1.1 framing (the original is HTTP/1.1 on both sides). */
  rawBody: boolean;
  /** The route's timeout (ms, 0 = none); the shadow gives up after it. */
  timeoutMs: number;
}

export class ShadowRequest implements UpstreamResponseSink, PoolWaiter<H1UpstreamConnection>, ChunkDataSink {
  readonly rawBody = false;
  private h1: H1UpstreamConnection | null = null;
  private h2: H2UpstreamRequest | null = null;
  private waiting: H1Pool | null = null;
  /** Body copied while the connection is not ready yet. */
  private pending: Buffer[] | null = [];
  private pendingBytes = 0;
  /** Bytes written after the transport first reported back-pressure (HTTP/2 has no queue length to read). */
  private congestedBytes = -1;
  private bodyEnded: boolean;
  private trailers: string[] | null = null;
  private done = false;
  private readonly startMs: number;
  private readonly timer: NodeJS.Timeout | undefined;
  /** HTTP/1.1 shadow fed payload without a length: add chunk framing. */
  private chunkEncode = false;
  /** HTTP/2 shadow fed chunk-framed bytes: take the payload out. */
  private readonly dechunk: ChunkedScanner | undefined;

  constructor(
    private readonly source: ShadowSource,
    private readonly cluster: ClusterEntry,
    private readonly host: Host,
    private readonly limitBytes: number,
    private readonly now: () => number,
    /** The copy was dropped because the mirror could not keep up (retry_or_shadow_abandoned). */
    private readonly onAbandoned: () => void,
  ) {
    this.startMs = now();
    this.bodyEnded = !source.requestHasBody;
    const http2 = cluster.http2 || source.isGrpc;
    const chunkedRaw =
      source.rawBody && /chunked/i.test(getHeader(source.headers, 'transfer-encoding') ?? '');
    if (http2 && chunkedRaw) this.dechunk = new ChunkedScanner();
    host.activeRequests++;
    cluster.resilience.breakers.default.requestStarted();
    cluster.stats.upstreamRqActive.inc();
    cluster.stats.upstreamRqTotal.inc();
    if (source.timeoutMs > 0) {
      this.timer = setTimeout(this.onTimeout, source.timeoutMs);
      this.timer.unref();
    }
    if (http2) this.startH2();
    else this.startH1();
  }

  private startH2(): void {
    let session: ReturnType<H2Pool['get']>;
    try {
      session = this.cluster.h2Pool(this.host).get();
    } catch {
      session = undefined;
    }
    if (session === undefined) {
      this.onUpstreamReset('connection failure', '');
      return;
    }
    const s = this.source;
    const req = new H2UpstreamRequest(this, session, this.cluster.h2Pool(this.host));
    this.h2 = req;
    req.start(s.method, s.scheme, s.authority, s.path, s.headers, !s.requestHasBody);
    if (!this.done) this.ready();
  }

  private startH1(): void {
    let pool: H1Pool;
    try {
      pool = this.cluster.h1Pool(this.host);
    } catch {
      this.onUpstreamReset('connection failure', '');
      return;
    }
    const conn = pool.acquire(this);
    if (conn !== null) this.onPoolReady(conn);
    else if (!this.done && this.h1 === null) this.waiting = pool;
  }

  onPoolReady(conn: H1UpstreamConnection): void {
    this.waiting = null;
    if (this.done) {
      conn.abort();
      return;
    }
    this.h1 = conn;
    const s = this.source;
    conn.attach(this, s.method);
    const h = s.headers;
    this.chunkEncode = !s.rawBody && s.requestHasBody && getHeader(h, 'content-length') === undefined;
    let head = `${s.method} ${s.path} HTTP/1.1\r\nhost: ${s.authority}\r\n`;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i];
      if (name === '' || (!s.rawBody && name === 'transfer-encoding')) continue;
      head += `${name}: ${h[i + 1]}\r\n`;
    }
    if (this.chunkEncode) head += 'transfer-encoding: chunked\r\n';
    conn.writeHead(`${head}\r\n`);
    this.ready();
  }

  onPoolFailure(reason: ResetReason): void {
    this.waiting = null;
    this.onUpstreamReset(reason, '');
  }

  /** The transport is attached: send what was copied so far. */
  private ready(): void {
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) for (const c of pending) this.send(c, 0, c.length);
    if (this.bodyEnded && !this.done) this.sendEnd();
  }

  /** A copy of original body bytes (the caller may reuse `buf` afterwards). */
  write(buf: Buffer, start: number, end: number): void {
    if (this.done || end <= start) return;
    if (this.pending !== null) {
      this.pendingBytes += end - start;
      if (this.pendingBytes > this.limitBytes) {
        this.abandon();
        return;
      }
      this.pending.push(Buffer.from(buf.subarray(start, end)));
      return;
    }
    this.send(buf, start, end);
  }

  end(trailers: string[] | null): void {
    if (this.done || this.bodyEnded) return;
    this.bodyEnded = true;
    this.trailers = trailers;
    if (this.pending === null) this.sendEnd();
  }

  private send(buf: Buffer, start: number, end: number): void {
    if (this.dechunk !== undefined) {
      if (this.dechunk.scan(buf, start, end, this) === SCAN_ERROR) this.abort();
      return;
    }
    this.chunkData(buf, start, end);
  }

  /** Payload (or raw framed) bytes for the wire. */
  chunkData(buf: Buffer, start: number, end: number): void {
    const slice = buf.subarray(start, end);
    let ok = true;
    if (this.h1 !== null) {
      if (this.chunkEncode) this.h1.write(`${(end - start).toString(16)}\r\n`);
      this.h1.write(slice);
      if (this.chunkEncode) this.h1.write('\r\n');
      if (this.h1.socket.writableLength > this.limitBytes) this.abandon();
      return;
    }
    if (this.h2 !== null) ok = this.h2.write(slice);
    if (this.congestedBytes >= 0) this.congestedBytes += end - start;
    else if (!ok) this.congestedBytes = 0;
    if (this.congestedBytes > this.limitBytes) this.abandon();
  }

  private sendEnd(): void {
    if (this.h1 !== null) {
      if (this.chunkEncode) this.h1.write('0\r\n\r\n');
      this.h1.endRequest();
    } else if (this.h2 !== null && this.source.requestHasBody) this.h2.end(this.trailers);
  }

  /** The original request ended before its body did: the copy can never be completed. */
  cancel(): void {
    if (!this.bodyEnded) this.abort();
  }

  private abandon(): void {
    this.onAbandoned();
    this.abort();
  }

  private abort(): void {
    if (this.done) return;
    if (this.waiting !== null) this.waiting.cancel(this);
    this.waiting = null;
    this.h1?.abort();
    this.h2?.abort();
    this.cleanup();
  }

  // ---- the mirror's response: counted, then discarded ----

  onUpstreamHead(head: MessageHead): void {
    if (this.done) return;
    this.cluster.stats.response(head.status, this.now() - this.startMs);
  }

  onUpstreamBody(_buf: Buffer, _start: number, _end: number): void {}

  onUpstreamEnd(_trailers: string[] | null): void {
    if (this.done) return;
    // A response before the whole body went out leaves the connection mid-request: do not reuse it.
    if (!this.bodyEnded || this.pending !== null) this.h1?.abort();
    this.h1 = null;
    this.h2 = null;
    this.cleanup();
  }

  onUpstreamReset(reason: ResetReason, _detail: string): void {
    if (this.done) return;
    if (reason !== 'connection failure' && reason !== 'connection timeout' && reason !== 'overflow')
      this.cluster.stats.upstreamRqRxReset.inc();
    this.h1 = null;
    this.h2 = null;
    this.cleanup();
  }

  onUpstreamUpgrade(_head: MessageHead, socket: Socket, _rest: Buffer | null): void {
    socket.destroy();
    this.onUpstreamEnd(null);
  }

  onUpstreamDrain(): void {}

  private readonly onTimeout = (): void => {
    if (this.done) return;
    this.cluster.stats.upstreamRqTimeout.inc();
    this.abort();
  };

  private cleanup(): void {
    if (this.done) return;
    this.done = true;
    this.pending = null;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.host.activeRequests--;
    this.cluster.stats.upstreamRqActive.dec();
    this.cluster.resilience.breakers.default.requestEnded();
  }
}
