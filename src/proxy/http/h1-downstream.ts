// The downstream HTTP/1.1 codec on a raw socket: parses request heads strictly, streams bodies upstream
// as received (Content-Length counted, chunked scanned, never re-encoded), relays responses, keeps the
// connection alive between requests and handles pipelining, 100-continue and upgrades (WebSocket tunnels).
// One object per connection; the current request's state lives in its fields.

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ChunkDataSink } from './chunked.js';
import { ChunkedScanner, SCAN_ERROR, SCAN_MORE } from './chunked.js';
import { type ConnectionSecurity, PLAINTEXT } from './connection-security.js';
import { HttpExchange } from './exchange.js';
import { BodyMode, findHeadEnd, type MessageHead, newHead, parseRequestHead } from './h1-head.js';
import type { HcmRuntime } from './hcm.js';
import { Flag } from './local-reply.js';

enum St {
  Head = 0,
  Body = 1,
  /** Request fully read; waiting for the exchange to end before reading the next (pipelined) request. */
  Wait = 2,
  Tunnel = 3,
  Closed = 4,
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

function uncork(socket: Socket): void {
  socket.uncork();
}

function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

export class H1DownstreamConnection extends HttpExchange implements ChunkDataSink {
  protected readonly downstreamIsH1 = true;
  private state = St.Head;
  /** Unconsumed bytes (partial head, or pipelined data while an exchange runs). */
  private buf: Buffer | null = null;
  private readonly head: MessageHead = newHead();
  private bodyMode = BodyMode.None;
  private bodyRemaining = 0;
  private readonly scanner = new ChunkedScanner();
  private requestDone = true;
  private upstreamReady = false;
  private closeAfter = false;
  private downChunkEncode = false;
  private pausedForUpstream = false;

  constructor(
    readonly socket: Socket,
    hcm: HcmRuntime,
    first: Buffer | null,
    security: ConnectionSecurity = PLAINTEXT,
  ) {
    super(
      hcm,
      socket.remoteAddress ?? '',
      socket.remotePort ?? 0,
      `${socket.localAddress}:${socket.localPort}`,
    );
    this.scheme = hcm.scheme;
    this.security = security;
    const st = hcm.stats;
    st.cxTotal.inc();
    st.cxActive.inc();
    st.cxHttp1Total.inc();
    st.cxHttp1Active.inc();
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    socket.on('drain', this.onDownstreamDrain);
    const idle = hcm.config.idleTimeoutMs;
    if (idle > 0) {
      socket.setTimeout(idle);
      socket.on('timeout', this.onIdleTimeout);
    }
    if (first !== null && first.length > 0) this.onData(first);
  }

  /** Whether no request is in progress (safe to close when draining). */
  get idle(): boolean {
    return this.state === St.Head && this.buf === null && this.exchangeDone;
  }

  /** Listener drain: close now if idle, else after the current response. */
  drain(): void {
    if (this.idle) this.socket.end();
    else this.closeAfter = true;
  }

  private headTimer: NodeJS.Timeout | null = null;

  private readonly onHeadTimeout = (): void => {
    this.headTimer = null;
    if (this.state !== St.Head || this.buf === null) return;
    this.hcm.stats.set.counter.downstream_rq_header_timeout.inc();
    this.protocolError(408, 'request_header_timeout', false);
  };

  private readonly onIdleTimeout = (): void => {
    if (this.exchangeDone && this.state === St.Head) this.socket.destroy();
  };

  private readonly onError = (): void => {};

  private readonly onClose = (): void => {
    const st = this.hcm.stats;
    st.cxActive.dec();
    st.cxHttp1Active.dec();
    st.cxDestroy.inc();
    if (this.headTimer !== null) clearTimeout(this.headTimer);
    const wasTunnel = this.state === St.Tunnel;
    this.state = St.Closed;
    if (!wasTunnel) this.downstreamReset();
    this.disposeTimer();
  };

  private readonly onDownstreamDrain = (): void => {
    if (this.upstreamH1 !== null) this.upstreamH1.resume();
  };

  onUpstreamDrain(): void {
    if (this.pausedForUpstream) {
      this.pausedForUpstream = false;
      this.socket.resume();
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    switch (this.state) {
      case St.Head:
        this.onHeadData(chunk);
        return;
      case St.Body:
        if (!this.upstreamReady && !this.exchangeDone) {
          this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
          return;
        }
        this.onBodyData(chunk, 0);
        return;
      case St.Wait:
        // Pipelined request: hold it until the current response is done.
        this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
        this.socket.pause();
        return;
      default:
        return;
    }
  };

  private onHeadData(chunk: Buffer): void {
    let buf = chunk;
    let from = 0;
    if (this.buf !== null) {
      from = this.buf.length;
      buf = Buffer.concat([this.buf, chunk]);
      this.buf = null;
    }
    const end = findHeadEnd(buf, from);
    const hcm = this.hcm;
    if (end === -1) {
      if (buf.length > hcm.maxHeadBytes) {
        this.protocolError(431, 'http1.headers_too_large');
        return;
      }
      this.buf = buf;
      // A head arriving in pieces must complete within request_headers_timeout (slow-loris guard).
      const limit = hcm.config.requestHeadersTimeoutMs;
      if (limit > 0 && this.headTimer === null) this.headTimer = setTimeout(this.onHeadTimeout, limit);
      return;
    }
    if (end === -2) {
      this.protocolError(400, 'http1.codec_error');
      return;
    }
    if (end > hcm.maxHeadBytes) {
      this.protocolError(431, 'http1.headers_too_large');
      return;
    }
    if (this.headTimer !== null) {
      clearTimeout(this.headTimer);
      this.headTimer = null;
    }
    const h = this.head;
    const err = parseRequestHead(buf, end, h, hcm.maxHeaders);
    if (err !== '') {
      this.protocolError(err === 'http1.too_many_headers' ? 431 : 400, err);
      return;
    }
    // Host → authority; absolute-form targets carry their own.
    const headers = h.headers;
    let authority: string | undefined;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i] === 'host') {
        if (authority !== undefined) {
          this.protocolError(400, 'http1.duplicate_host');
          return;
        }
        authority = headers[i + 1];
        headers[i] = '';
        headers[i + 1] = '';
      }
    }
    let target = h.target;
    if (target.charCodeAt(0) !== 0x2f && target !== '*') {
      const m = /^https?:\/\/([^/?#]+)(.*)$/i.exec(target);
      if (m === null) {
        this.protocolError(400, 'http1.invalid_url');
        return;
      }
      authority = m[1];
      target = m[2] === '' ? '/' : m[2];
    }
    if (authority === undefined) {
      if (h.versionMinor === 1) {
        this.protocolError(400, 'missing_host_header');
        return;
      }
      authority = '';
    }
    this.method = h.method;
    this.path = target;
    this.authority = authority;
    this.headers = headers;
    this.protocol = h.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0';
    this.upgrade = h.upgrade;
    this.isGrpc = false;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i] === 'content-type') {
        this.isGrpc = headers[i + 1].startsWith('application/grpc');
        break;
      }
    }
    this.bodyMode = h.bodyMode;
    this.bodyRemaining = h.contentLength;
    if (h.bodyMode === BodyMode.Chunked) this.scanner.reset();
    this.requestHasBody = h.bodyMode !== BodyMode.None || h.upgrade !== '';
    this.requestDone = h.bodyMode === BodyMode.None && h.upgrade === '';
    this.closeAfter = h.close || this.hcm.draining;
    this.downChunkEncode = false;
    this.upstreamReady = false;
    this.state = this.requestDone ? St.Wait : St.Body;
    this.buf = end < buf.length ? buf.subarray(end) : null;
    hcm.stats.rqHttp1Total.inc();
    this.dispatch();
    if (this.exchangeDone && this.state !== St.Body) return;
    if (h.expectContinue && !this.exchangeDone && this.bodyMode !== BodyMode.None)
      this.socket.write(CONTINUE);
    if (!this.upstreamReady && !this.exchangeDone) {
      // Waiting for a pooled connection: stop reading until it is ready.
      this.socket.pause();
      this.pausedForUpstream = true;
    } else if (this.state === St.Body && this.buf !== null) {
      const rest = this.buf;
      this.buf = null;
      this.onBodyData(rest, 0);
    }
  }

  protected onUpstreamReady(): void {
    this.upstreamReady = true;
    if (this.requestDone) {
      if (this.upgrade === '') this.upEnd(null);
      return;
    }
    if (this.pausedForUpstream) {
      this.pausedForUpstream = false;
      this.socket.resume();
      if (this.buf !== null && this.state === St.Body) {
        const rest = this.buf;
        this.buf = null;
        this.onBodyData(rest, 0);
      }
    }
  }

  chunkData(buf: Buffer, start: number, end: number): void {
    if (!this.exchangeDone && !this.upstreamWriteOk(this.upWrite(buf, start, end))) return;
  }

  private upstreamWriteOk(ok: boolean): boolean {
    if (!ok && !this.pausedForUpstream) {
      this.pausedForUpstream = true;
      this.socket.pause();
    }
    return ok;
  }

  private onBodyData(buf: Buffer, pos: number): void {
    if (this.upgrade !== '') {
      // Upgrade requests carry no framed body: anything sent early belongs to the new protocol.
      this.buf = this.buf === null ? buf.subarray(pos) : Buffer.concat([this.buf, buf.subarray(pos)]);
      return;
    }
    const forward = !this.exchangeDone;
    let end: number;
    if (this.bodyMode === BodyMode.Length) {
      const n = Math.min(this.bodyRemaining, buf.length - pos);
      end = pos + n;
      this.bodyRemaining -= n;
      if (forward) this.upstreamWriteOk(this.upWrite(buf, pos, end));
      if (this.bodyRemaining > 0) return;
    } else {
      const raw = this.rawBody;
      const r = this.scanner.scan(buf, pos, buf.length, raw || !forward ? null : this);
      if (r === SCAN_ERROR) {
        if (!this.exchangeDone && !this.responseStarted) {
          this.hcm.stats.cxProtocolError.inc();
          this.closeAfter = true;
          this.requestDone = true;
          this.state = St.Wait;
          this.localReply(400, 'Bad Request', Flag.DownstreamProtocolError, 'http1.invalid_chunk_size');
        } else {
          this.hcm.stats.cxProtocolError.inc();
          this.socket.destroy();
        }
        return;
      }
      end = r === SCAN_MORE ? buf.length : r;
      if (forward && raw) this.upstreamWriteOk(this.upWrite(buf, pos, end));
      if (r === SCAN_MORE) return;
    }
    // Request body complete.
    this.requestDone = true;
    this.state = St.Wait;
    if (end < buf.length)
      this.buf = this.buf === null ? buf.subarray(end) : Buffer.concat([buf.subarray(end), this.buf]);
    if (!this.exchangeDone) this.upEnd(null);
    else this.next();
  }

  private protocolError(status: number, details: string, codecError = true): void {
    const st = this.hcm.stats;
    if (codecError) st.cxProtocolError.inc();
    this.buf = null;
    this.closeAfter = true;
    this.requestDone = true;
    this.state = St.Wait;
    this.method = this.method || 'GET';
    this.isGrpc = false;
    this.headers = [];
    this.upgrade = '';
    st.rqTotal.inc();
    st.rqActive.inc();
    this.exchangeDone = false;
    this.startMs = this.hcm.services.now();
    this.localReply(status, STATUS_CODES[status] ?? '', Flag.DownstreamProtocolError, details);
  }

  // ---- response side ----

  protected sendHead(status: number, headers: string[], length: number, _endStream: boolean): void {
    if (this.state === St.Closed) return;
    let s = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
    let framed = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i];
      if (name === '') continue;
      if (name === 'content-length' || name === 'transfer-encoding') framed = true;
      s += `${name}: ${headers[i + 1]}\r\n`;
    }
    this.downChunkEncode = false;
    if (!framed && status >= 200 && status !== 204 && status !== 304) {
      if (length >= 0) s += `content-length: ${length}\r\n`;
      else if (this.head.versionMinor === 1) {
        s += 'transfer-encoding: chunked\r\n';
        this.downChunkEncode = true;
      } else this.closeAfter = true;
    }
    // A response before the request body ended: the rest of the body is not worth reading.
    if (!this.requestDone) this.closeAfter = true;
    if (this.closeAfter || this.hcm.draining) {
      s += 'connection: close\r\n';
      this.closeAfter = true;
    } else if (this.head.versionMinor === 0) s += 'connection: keep-alive\r\n';
    // Head and the body bytes that usually follow in the same tick leave in one write (one syscall).
    this.socket.cork();
    process.nextTick(uncork, this.socket);
    this.socket.write(`${s}\r\n`, 'latin1');
  }

  protected sendBody(buf: Buffer, start: number, end: number): void {
    if (this.method === 'HEAD' || this.state === St.Closed) return;
    const slice = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
    let ok: boolean;
    if (this.downChunkEncode) {
      this.socket.write(`${(end - start).toString(16)}\r\n`, 'latin1');
      this.socket.write(slice);
      ok = this.socket.write('\r\n', 'latin1');
    } else ok = this.socket.write(slice);
    if (!ok && this.upstreamH1 !== null) this.upstreamH1.pause();
  }

  protected sendEnd(_trailers: string[] | null): void {
    if (this.state === St.Closed || this.state === St.Tunnel) return;
    if (this.downChunkEncode && this.method !== 'HEAD') this.socket.write('0\r\n\r\n', 'latin1');
  }

  protected resetDownstream(): void {
    this.closeAfter = true;
    this.socket.destroy();
  }

  protected onExchangeEnd(): void {
    if (this.state === St.Closed || this.state === St.Tunnel) return;
    if (this.closeAfter) {
      this.state = St.Closed;
      this.socket.end();
      return;
    }
    if (this.requestDone) this.next();
    // else: keep reading (and discarding) the rest of the request body, then continue.
  }

  /** Starts on the next pipelined request, if any. */
  private next(): void {
    if (!this.exchangeDone || !this.requestDone || this.state === St.Closed) return;
    this.state = St.Head;
    this.upgrade = '';
    if (this.pausedForUpstream) this.pausedForUpstream = false;
    this.socket.resume();
    const rest = this.buf;
    this.buf = null;
    if (rest !== null) this.onHeadData(rest);
  }

  // ---- upgrades ----

  onUpstreamUpgrade(head: MessageHead, upstream: Socket, rest: Buffer | null): void {
    const down = this.socket;
    const cluster = this.cluster;
    cluster?.stats.response(101, this.hcm.services.now() - this.upstreamStartMs);
    this.status = 101;
    this.responseStarted = true;
    // The route timeout covers the handshake, not the life of the tunnel.
    this.disposeTimer();
    this.hcm.stats.cxUpgradesTotal.inc();
    this.hcm.stats.cxUpgradesActive.inc();
    let s = `HTTP/1.1 101 ${head.reason || 'Switching Protocols'}\r\n`;
    const h = head.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] !== '') s += `${h[i]}: ${h[i + 1]}\r\n`;
    down.write(`${s}\r\n`, 'latin1');
    this.state = St.Tunnel;
    down.removeListener('data', this.onData);
    down.removeListener('drain', this.onDownstreamDrain);
    down.setTimeout(0);
    if (rest !== null) down.write(rest);
    if (this.buf !== null) {
      upstream.write(this.buf);
      this.buf = null;
    }
    down.pipe(upstream);
    upstream.pipe(down);
    upstream.on('error', () => down.destroy());
    upstream.on('close', () => down.destroy());
    down.on('close', () => {
      upstream.destroy();
      this.hcm.stats.cxUpgradesActive.dec();
      this.onUpstreamEnd(null);
    });
    down.resume();
    upstream.resume();
  }
}
