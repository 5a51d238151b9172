// The downstream HTTP/2 codec (h2c with prior knowledge, or h2 negotiated by ALPN over TLS), on node:http2:
// one session per connection, one exchange per stream; gRPC responses keep their trailers.
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { type ConnectionSecurity, PLAINTEXT } from './connection-security.js';
import { HttpExchange } from './exchange.js';
import type { MessageHead } from './h1-head.js';
import { fromH2Headers, toH2Headers } from './h2-upstream.js';
import type { HcmRuntime } from './hcm.js';

class H2Exchange extends HttpExchange {
  protected readonly downstreamIsH1 = false;
  private trailers: string[] | null = null;
  private waitsForTrailers = false;

  constructor(
    readonly stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    hcm: HcmRuntime,
    socket: Socket,
  ) {
    super(
      hcm,
      socket.remoteAddress ?? '',
      socket.remotePort ?? 0,
      `${socket.localAddress}:${socket.localPort}`,
    );
    this.protocol = 'HTTP/2';
    this.method = String(headers[':method'] ?? 'GET');
    this.path = String(headers[':path'] ?? '/');
    this.authority = String(headers[':authority'] ?? headers.host ?? '');
    this.scheme = hcm.scheme;
    this.headers = fromH2Headers(headers, []);
    const ct = headers['content-type'];
    this.isGrpc = typeof ct === 'string' && ct.startsWith('application/grpc');
    this.requestHasBody = !stream.endAfterHeaders;
    stream.on('close', this.onStreamClose);
    stream.on('error', () => {});
    stream.on('drain', this.onStreamDrain);
  }

  private readonly onStreamClose = (): void => {
    if (!this.exchangeDone) this.downstreamReset();
  };

  private readonly onStreamDrain = (): void => {
    this.upstreamH1?.resume();
  };

  private readonly onRequestData = (d: Buffer): void => {
    if (!this.exchangeDone && !this.upWrite(d, 0, d.length)) this.stream.pause();
  };

  private readonly onRequestEnd = (): void => {
    if (!this.exchangeDone) this.upEnd(null);
  };

  onUpstreamDrain(): void {
    this.stream.resume();
  }

  protected onUpstreamReady(): void {
    if (!this.requestHasBody) {
      if (this.upstreamH1 !== null) this.upEnd(null);
      return;
    }
    this.stream.on('data', this.onRequestData);
    this.stream.on('end', this.onRequestEnd);
  }

  protected sendHead(status: number, headers: string[], length: number, endStream: boolean): void {
    const s = this.stream;
    if (s.destroyed || s.closed) return;
    const h2h = toH2Headers(headers, { ':status': status });
    if (length >= 0 && !endStream && h2h['content-length'] === undefined) h2h['content-length'] = length;
    this.waitsForTrailers = this.isGrpc && !endStream;
    if (this.waitsForTrailers) s.once('wantTrailers', this.onWantTrailers);
    try {
      s.respond(h2h, { endStream, waitForTrailers: this.waitsForTrailers });
    } catch {
      s.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    }
  }

  private readonly onWantTrailers = (): void => {
    const t = this.trailers;
    try {
      this.stream.sendTrailers(t === null ? { 'grpc-status': '0' } : toH2Headers(t, {}));
    } catch {
      this.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    }
  };

  protected sendBody(buf: Buffer, start: number, end: number): void {
    const s = this.stream;
    if (s.destroyed || s.closed) return;
    const ok = s.write(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
    if (!ok) this.upstreamH1?.pause();
  }

  protected sendEnd(trailers: string[] | null): void {
    const s = this.stream;
    if (s.destroyed || s.closed) return;
    this.trailers = trailers;
    if (!s.headersSent) return;
    s.end();
  }

  protected resetDownstream(): void {
    this.hcm.stats.rqTxReset.inc();
    if (!this.stream.destroyed) this.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  }

  protected onExchangeEnd(): void {}

  onUpstreamUpgrade(_head: MessageHead, socket: Socket): void {
    socket.destroy();
    this.onUpstreamReset('protocol error', '');
  }
}

/** Security facts of TLS sessions, by session (set by the listener when it hands the socket over). */
const sessionSecurity = new WeakMap<http2.Http2Session, ConnectionSecurity>();

/** Records what the session's TLS connection proved; every stream's exchange reads it. */
export function bindSessionSecurity(session: http2.Http2Session, sec: ConnectionSecurity): void {
  sessionSecurity.set(session, sec);
}

/** Builds the node:http2 server that serves the HTTP/2 connections of one connection manager. */
export function createH2Server(hcm: HcmRuntime): http2.Http2Server {
  const cfg = hcm.config.http2;
  const server = http2.createServer({
    settings: {
      maxConcurrentStreams: cfg.maxConcurrentStreams > 0 ? cfg.maxConcurrentStreams : 2147483647,
      initialWindowSize: cfg.initialStreamWindowSize > 0 ? cfg.initialStreamWindowSize : 65535,
      maxHeaderListSize: hcm.maxHeadBytes,
    },
    maxSessionMemory: 100,
  });
  server.on('session', (session) => {
    const st = hcm.stats;
    st.cxTotal.inc();
    st.cxActive.inc();
    st.cxHttp2Total.inc();
    st.cxHttp2Active.inc();
    session.on('error', () => {});
    session.on('close', () => {
      st.cxActive.dec();
      st.cxHttp2Active.dec();
      st.cxDestroy.inc();
    });
    const win = cfg.initialConnectionWindowSize;
    if (win > 65535) session.on('connect', () => session.setLocalWindowSize(win));
  });
  server.on('stream', (stream, headers) => {
    const sock = stream.session?.socket as Socket | undefined;
    if (sock === undefined) return;
    hcm.stats.rqHttp2Total.inc();
    const ex = new H2Exchange(stream, headers, hcm, sock);
    const session = stream.session;
    if (session !== undefined) ex.security = sessionSecurity.get(session) ?? PLAINTEXT;
    ex.dispatch();
  });
  server.on('sessionError', () => {});
  return server;
}
