// Builds the access log entry of one finished exchange (only when a sink is configured).
import type { AccessLogEntry } from './access-log-entry.js';
import type { HttpExchange } from './exchange.js';
import { getHeader } from './h1-head.js';

export function buildAccessLogEntry(ex: HttpExchange): AccessLogEntry {
  const h = ex.headers;
  return {
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
  };
}
