// The contracts between a downstream stream and an upstream connection: where response events go, and how
// a request waiting for a pooled connection is told it has one (or why it never will).
import type { Socket } from 'node:net';
import type { MessageHead } from '../../http/h1-head.js';

/** Envoy's upstream reset reasons, as they appear in local reply bodies and access logs. */
export type ResetReason =
  | 'connection failure'
  | 'connection timeout'
  | 'connection termination'
  | 'protocol error'
  | 'overflow'
  | 'remote reset'
  /** HTTP/2 RST_STREAM REFUSED_STREAM: the upstream did not process the request (safe to retry). */
  | 'remote refused stream reset'
  | 'local reset';

/** Receives one upstream response. */
export interface UpstreamResponseSink {
  /** True: body bytes arrive exactly as framed upstream (chunked framing kept); false: payload only. */
  readonly rawBody: boolean;
  onUpstreamHead(head: MessageHead): void;
  onUpstreamBody(buf: Buffer, start: number, end: number): void;
  /** The response ended; `trailers` is a flat [name, value, …] list (HTTP/2) or null. */
  onUpstreamEnd(trailers: string[] | null): void;
  /** The exchange failed; `headSent` tells whether onUpstreamHead was already called. */
  onUpstreamReset(reason: ResetReason, detail: string): void;
  /** A 101 answer: the socket now carries the upgraded protocol; `rest` is data already read past the head. */
  onUpstreamUpgrade(head: MessageHead, socket: Socket, rest: Buffer | null): void;
  /** The upstream socket drained after a write returned false: request body may flow again. */
  onUpstreamDrain(): void;
}

/** A request waiting for a connection of an HTTP/1.1 pool. */
export interface PoolWaiter<C> {
  onPoolReady(conn: C): void;
  onPoolFailure(reason: ResetReason): void;
}
