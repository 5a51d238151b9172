// Per-connection, per-type-URL SotW state: what the proxy subscribed to, what was sent (version, nonce,
// content hash), what it ACKed, and the last NACK with its message; and the status derived from it.

export interface Nack {
  /** The error_detail message the proxy sent. */
  message: string;
  /** The version it rejected (the one sent with the nonce it answered). */
  version: string;
  nonce: string;
  /** Clock time of the NACK (ms). */
  at: number;
}

export interface WatchState {
  typeUrl: string;
  /** Resource names subscribed; empty = wildcard (every resource of the type). */
  names: string[];
  sentVersion?: string;
  sentNonce?: string;
  sentHash?: string;
  sentAt?: number;
  /** Version and nonce of the last ACK. */
  ackedVersion?: string;
  ackedNonce?: string;
  ackedAt?: number;
  lastNack?: Nack;
  /** Time from the change that caused the last push until it was sent, ms. */
  lastPushDelayMs?: number;
  /** Time from the last send until its ACK, ms. */
  lastAckLatencyMs?: number;
  /** How many responses were sent for this type. */
  pushes: number;
  /** Delta streams only: what the proxy subscribed to and the version of each resource it holds. */
  delta?: DeltaState;
}

export interface DeltaState {
  /** Every resource of the type (LDS/CDS initial request without names, or `*`). */
  wildcard: boolean;
  subscribed: Set<string>;
  /** Resource name → version the proxy has (sent by us, or declared in initial_resource_versions). */
  known: Map<string, string>;
}

/** Istio's proxy-status words: SYNCED (last sent is ACKed), NOT SENT (never sent), STALE (sent, not ACKed). */
export type SyncState = 'SYNCED' | 'NOT SENT' | 'STALE';

export function syncState(w: WatchState | undefined): SyncState {
  if (!w || w.sentNonce === undefined) return 'NOT SENT';
  return w.ackedNonce === w.sentNonce ? 'SYNCED' : 'STALE';
}

export function newWatch(typeUrl: string, names: readonly string[]): WatchState {
  return { typeUrl, names: [...names].sort(), pushes: 0 };
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...b].sort();
  return a.every((n, i) => n === sorted[i]);
}
