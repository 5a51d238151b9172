// The HTTP/1.1 connection pool of one upstream host: idle connections reused LIFO (the most recently used
// socket is the warmest and least likely to have been closed by the server), new connections opened on
// demand up to the cluster's max_connections, then requests wait (up to max_pending_requests) or overflow.
// The host's TLS options are asked for when a connection opens (they follow secret rotation).

import type tls from 'node:tls';
import type { ClusterStats } from '../cluster-stats.js';
import type { Host } from '../lb/types.js';
import { H1UpstreamConnection } from './h1-connection.js';
import type { PoolWaiter, ResetReason } from './types.js';

/** Limits shared by every host pool of one cluster (Envoy's circuit breakers are per cluster). */
export interface ClusterLimits {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequestsPerConnection: number;
  /** Connections of the cluster currently open or opening, across hosts. */
  connections: number;
  pending: number;
}

/** tls.connect options for a new connection (undefined = plain text); may throw when secrets are missing. */
export type TlsResolver = () => tls.ConnectionOptions | undefined;

const plainText: TlsResolver = () => undefined;

export class H1Pool {
  private readonly idle: H1UpstreamConnection[] = [];
  private readonly waiters: PoolWaiter<H1UpstreamConnection>[] = [];
  /** Connections owned by this pool (idle, busy or connecting). */
  total = 0;
  private closed = false;
  private readonly resolveTls: TlsResolver;

  constructor(
    readonly host: Host,
    readonly connectTimeoutMs: number,
    readonly stats: ClusterStats,
    private readonly limits: ClusterLimits,
    private readonly now: () => number,
    /** The host's upstream TLS: fixed options, or a resolver asked on each new connection. */
    tlsOptions: tls.ConnectionOptions | TlsResolver | undefined = undefined,
  ) {
    this.resolveTls =
      typeof tlsOptions === 'function' ? tlsOptions : tlsOptions === undefined ? plainText : () => tlsOptions;
  }

  /**
   * A connection for one request: an idle one (most recent first), or a new one. Returns null when the
   * cluster is at max_connections; the waiter is then queued, or told 'overflow' when the queue is full.
   */
  acquire(waiter: PoolWaiter<H1UpstreamConnection>): H1UpstreamConnection | null {
    const idle = this.idle;
    while (idle.length > 0) {
      const c = idle.pop()!;
      if (!c.socket.destroyed) return c;
    }
    if (this.limits.connections >= this.limits.maxConnections) {
      this.stats.upstreamCxOverflow.inc();
      // As Envoy: a host with no connection at all still gets one, else requests queued for it could
      // only wait for other hosts' connections to close (the breaker counts the cluster's connections).
      if (this.total === 0) return this.open(waiter);
      if (this.limits.pending >= this.limits.maxPendingRequests) {
        this.stats.upstreamRqPendingOverflow.inc();
        waiter.onPoolFailure('overflow');
        return null;
      }
      this.limits.pending++;
      this.stats.upstreamRqPendingTotal.inc();
      this.waiters.push(waiter);
      return null;
    }
    return this.open(waiter);
  }

  /** Forgets a queued waiter (its downstream went away). */
  cancel(waiter: PoolWaiter<H1UpstreamConnection>): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) {
      this.waiters.splice(i, 1);
      this.limits.pending--;
    }
  }

  /** A new connection, or null when its TLS cannot be set up (secrets not there yet): the waiter is told. */
  private open(waiter: PoolWaiter<H1UpstreamConnection>): H1UpstreamConnection | null {
    let options: tls.ConnectionOptions | undefined;
    try {
      options = this.resolveTls();
    } catch {
      this.stats.upstreamCxConnectFail.inc();
      waiter.onPoolFailure('connection failure');
      return null;
    }
    this.total++;
    this.limits.connections++;
    this.stats.upstreamCxTotal.inc();
    this.stats.upstreamCxHttp1Total.inc();
    this.stats.upstreamCxActive.inc();
    return new H1UpstreamConnection(this, options);
  }

  onConnected(_c: H1UpstreamConnection): void {}

  /** A connection finished a request cleanly: hand it to a waiter or park it idle. */
  release(c: H1UpstreamConnection): void {
    const max = this.limits.maxRequestsPerConnection;
    if (this.closed || (max > 0 && c.requestsServed >= max)) {
      if (max > 0 && c.requestsServed >= max) this.stats.upstreamCxMaxRequests.inc();
      c.close();
      return;
    }
    const w = this.waiters.shift();
    if (w !== undefined) {
      this.limits.pending--;
      w.onPoolReady(c);
      return;
    }
    c.idleSince = this.now();
    this.idle.push(c);
  }

  onClosed(c: H1UpstreamConnection, reason: ResetReason | undefined): void {
    this.total--;
    this.limits.connections--;
    this.stats.upstreamCxActive.dec();
    if (!c.connected) this.stats.upstreamCxConnectFail.inc();
    else this.stats.upstreamCxDestroy.inc();
    const i = this.idle.lastIndexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    if (reason !== undefined && !c.connected) this.stats.lastConnectFailure = reason;
    // A slot freed up: give it to the oldest waiter.
    const w = this.waiters.shift();
    if (w !== undefined) {
      this.limits.pending--;
      if (this.closed) w.onPoolFailure('connection termination');
      else {
        const fresh = this.open(w);
        if (fresh !== null) w.onPoolReady(fresh);
      }
    }
  }

  /** Closes idle connections unused for longer than `idleTimeoutMs`. */
  sweepIdle(idleTimeoutMs: number): void {
    const cutoff = this.now() - idleTimeoutMs;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i];
      if (c.idleSince <= cutoff) c.close();
    }
  }

  /** Stops pooling: idle connections close now, busy ones when their request ends. */
  drain(): void {
    this.closed = true;
    for (const c of [...this.idle]) c.close();
    for (const w of this.waiters.splice(0)) {
      this.limits.pending--;
      w.onPoolFailure('connection termination');
    }
  }

  get idleCount(): number {
    return this.idle.length;
  }
}
