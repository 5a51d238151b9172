// The HTTP/2 pool of one upstream host: one multiplexed client session (h2c), replaced when it closes or
// receives GOAWAY. Requests open streams on it; a session that does not connect in time fails its streams.
// TLS options are asked for when a session opens (they follow secret rotation).
import http2 from 'node:http2';
import type tls from 'node:tls';
import type { ClusterStats } from '../cluster-stats.js';
import type { Host } from '../lb/types.js';
import type { TlsResolver } from './h1-pool.js';
import type { ResetReason } from './types.js';

export class H2Pool {
  private session: http2.ClientHttp2Session | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly connectedSessions = new WeakSet<http2.ClientHttp2Session>();
  /** Why the current session failed before connecting (read by streams erroring on it). */
  failure: ResetReason | undefined;
  private readonly resolveTls: TlsResolver;

  constructor(
    readonly host: Host,
    private readonly connectTimeoutMs: number,
    private readonly stats: ClusterStats,
    /** The host's upstream TLS: fixed options, or a resolver asked for each new session. */
    tlsOptions: tls.ConnectionOptions | TlsResolver | undefined = undefined,
  ) {
    this.resolveTls = typeof tlsOptions === 'function' ? tlsOptions : () => tlsOptions;
  }

  /** The live session, opening one when needed; undefined after drain. Throws when TLS secrets are missing. */
  get(): http2.ClientHttp2Session | undefined {
    if (this.closed) return undefined;
    const s = this.session;
    if (s !== null && !s.closed && !s.destroyed) return s;
    return this.open();
  }

  private open(): http2.ClientHttp2Session {
    const options = this.resolveTls();
    const a = this.host.address;
    const scheme = options === undefined ? 'http' : 'https';
    const authority = a.host.includes(':')
      ? `${scheme}://[${a.host}]:${a.port}`
      : `${scheme}://${a.host}:${a.port}`;
    const stats = this.stats;
    stats.upstreamCxTotal.inc();
    stats.upstreamCxHttp2Total.inc();
    stats.upstreamCxActive.inc();
    const session = http2.connect(authority, { ...options, peerMaxConcurrentStreams: 1000 });
    this.session = session;
    this.failure = undefined;
    let connected = false;
    if (this.connectTimeoutMs > 0) {
      this.connectTimer = setTimeout(() => {
        this.connectTimer = null;
        stats.upstreamCxConnectTimeout.inc();
        this.failure = 'connection timeout';
        session.destroy();
      }, this.connectTimeoutMs);
    }
    session.on('connect', () => {
      connected = true;
      this.connectedSessions.add(session);
      if (this.connectTimer !== null) {
        clearTimeout(this.connectTimer);
        this.connectTimer = null;
      }
    });
    session.on('error', () => {
      if (!connected) this.failure ??= 'connection failure';
    });
    session.on('goaway', () => {
      if (this.session === session) this.session = null;
    });
    session.on('close', () => {
      stats.upstreamCxActive.dec();
      if (!connected) stats.upstreamCxConnectFail.inc();
      else stats.upstreamCxDestroy.inc();
      if (this.connectTimer !== null && this.session === session) {
        clearTimeout(this.connectTimer);
        this.connectTimer = null;
      }
      if (this.session === session) this.session = null;
    });
    return session;
  }

  /** Whether the session this stream ran on ever connected (to tell UF from UC). */
  isConnected(session: http2.ClientHttp2Session): boolean {
    return this.connectedSessions.has(session);
  }

  drain(): void {
    this.closed = true;
    const s = this.session;
    this.session = null;
    if (s !== null) s.close();
  }
}
