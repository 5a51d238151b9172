// Per-proxy sync status (what `trellis proxy-status` and /debug/syncz show): per type URL whether the last
// config sent is ACKed (SYNCED), not ACKed yet (STALE) or never sent (NOT SENT), the last NACK and timings.
import type { AdsConnection } from './connection.js';
import { type Nack, type SyncState, syncState } from './watch.js';

export const SHORT_TYPE: Record<string, string> = {
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'CDS',
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'LDS',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'EDS',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'RDS',
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret': 'SDS',
};

export interface TypeStatus {
  typeUrl: string;
  state: SyncState;
  sentVersion?: string;
  ackedVersion?: string;
  nonce?: string;
  /** Names subscribed (empty = all). */
  resourceNames: string[];
  nack?: Nack;
  pushes: number;
  lastPushDelayMs?: number;
  lastAckLatencyMs?: number;
}

export interface ProxyStatus {
  proxyId: string;
  connectionId: string;
  type: 'sidecar' | 'router';
  /** `grpc` for proxyless gRPC clients (Istio's gRPC generator); absent for Envoy-style proxies. */
  generator?: 'grpc';
  namespace: string;
  connectedAt: number;
  /** Keyed by short name (CDS, LDS, EDS, RDS) where known, else the type URL. */
  types: Record<string, TypeStatus>;
}

export function connectionStatus(conn: AdsConnection): ProxyStatus {
  const types: Record<string, TypeStatus> = {};
  for (const [typeUrl, w] of conn.watches) {
    const s: TypeStatus = { typeUrl, state: syncState(w), resourceNames: [...w.names], pushes: w.pushes };
    if (w.sentVersion !== undefined) s.sentVersion = w.sentVersion;
    if (w.ackedVersion !== undefined) s.ackedVersion = w.ackedVersion;
    if (w.sentNonce !== undefined) s.nonce = w.sentNonce;
    if (w.lastNack) s.nack = w.lastNack;
    if (w.lastPushDelayMs !== undefined) s.lastPushDelayMs = w.lastPushDelayMs;
    if (w.lastAckLatencyMs !== undefined) s.lastAckLatencyMs = w.lastAckLatencyMs;
    types[SHORT_TYPE[typeUrl] ?? typeUrl] = s;
  }
  return {
    proxyId: conn.proxy.id,
    connectionId: conn.id,
    type: conn.proxy.type,
    ...(conn.generator === 'grpc' ? { generator: 'grpc' as const } : {}),
    namespace: conn.proxy.namespace,
    connectedAt: conn.connectedAt,
    types,
  };
}
