// Builds the access log entry of one finished exchange (only when a sink is configured), with the
// connection's TLS identities and the exchanged peers, answering Envoy's TLS and filter-state operators.
import type { PeerInfo } from '../filters/http/peer-metadata/peer-info.js';
import type { AccessLogRecord } from '../stats/access-log/record.js';
import type { AccessLogEntry } from './access-log-entry.js';
import type { HttpExchange } from './exchange.js';
import { getHeader } from './h1-head.js';

/** A peer as Istio's filter state object prints it (`%FILTER_STATE(downstream_peer)%`). */
export function peerFilterState(p: PeerInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: string) => {
    if (v !== '') out[k] = v;
  };
  put('workload', p.workloadName);
  put('name', p.name);
  put('cluster', p.clusterId);
  put('namespace', p.namespace);
  put('service', p.canonicalService);
  put('revision', p.canonicalRevision);
  put('app', p.app);
  put('version', p.version);
  if (Object.keys(p.labels).length > 0) out.labels = p.labels;
  return out;
}

function filterState(peer: PeerInfo | undefined, arg: string): string | undefined {
  if (peer === undefined) return undefined;
  const state = peerFilterState(peer);
  // KEY, KEY:PLAIN, KEY:TYPED: the whole object; KEY:FIELD:name: one field.
  const parts = arg.split(':');
  if (parts[1] === 'FIELD' && parts[2] !== undefined) {
    const v = state[parts[2]];
    return typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v);
  }
  return JSON.stringify(state);
}

/** Envoy's runtime-valued operators for this entry (called with the entry as `this`, no closure per request). */
function operatorValue(this: AccessLogEntry, op: string, arg: string | undefined): string | undefined {
  switch (op) {
    case 'DOWNSTREAM_PEER_URI_SAN':
      return this.downstreamPeerUriSan || undefined;
    case 'DOWNSTREAM_LOCAL_URI_SAN':
      return this.downstreamLocalUriSan || undefined;
    case 'UPSTREAM_PEER_URI_SAN':
      return this.upstreamPeerUriSan || undefined;
    case 'FILTER_STATE': {
      const key = arg?.split(':')[0];
      if (key === 'downstream_peer') return filterState(this.downstreamPeer, arg!);
      if (key === 'upstream_peer') return filterState(this.upstreamPeer, arg!);
      return undefined;
    }
    default:
      return undefined;
  }
}

export function buildAccessLogEntry(ex: HttpExchange): AccessLogEntry {
  const h = ex.headers;
  const sec = ex.security;
  const entry: AccessLogRecord = {
    startTimeMs: ex.startMs,
    method: ex.method,
    path: ex.originalPath !== '' ? ex.originalPath : ex.path,
    protocol: ex.protocol,
    status: ex.status,
    responseFlags: ex.flags === '' ? '-' : ex.flags,
    responseCodeDetails: ex.details === '' ? 'via_upstream' : ex.details,
    bytesReceived: ex.bytesIn,
    bytesSent: ex.bytesOut,
    durationMs: ex.hcm.services.now() - ex.startMs,
    upstreamServiceTimeMs: ex.serviceTimeMs,
    upstreamHost: ex.host?.key ?? '',
    upstreamCluster: ex.cluster?.cluster.name ?? '',
    downstreamRemoteAddress: `${ex.remoteAddress}:${ex.remotePort}`,
    downstreamLocalAddress: ex.localAddress,
    xForwardedFor: getHeader(h, 'x-forwarded-for') ?? '',
    userAgent: getHeader(h, 'user-agent') ?? '',
    requestId: ex.requestId,
    authority: ex.authority,
    routeName: ex.route?.name ?? '',
    upstreamTransportFailureReason: ex.failureReason,
    requestedServerName: '',
    downstreamPeerUriSan: sec.peerUriSan,
    downstreamLocalUriSan: sec.localUriSan,
    upstreamPeerUriSan: ex.upstreamPeerUriSan,
    connectionSecurityPolicy: sec.policy,
    downstreamPeer: ex.downstreamPeer,
    upstreamPeer: ex.upstreamPeer,
    operatorValue,
  };
  return entry;
}
