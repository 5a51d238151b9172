// Request header preparation done by the connection manager before routing, in one pass over the flat
// header list: hop-by-hop headers dropped, x-request-id kept or generated, x-forwarded-for/-proto set as
// Envoy does with and without use_remote_address, x-forwarded-client-cert per forward_client_cert_details;
// and the grpc-timeout parser.
import type { HttpConnectionManager } from '../config/listener.js';
import { setHeader } from '../router/header-ops.js';
import { type ConnectionSecurity, forwardClientCert, PLAINTEXT } from './connection-security.js';
import { uuidV4 } from './request-id.js';

/** Parses a grpc-timeout header value (e.g. `100m`, `5S`) into milliseconds; undefined when malformed. */
export function parseGrpcTimeout(v: string): number | undefined {
  if (v.length < 2 || v.length > 9) return undefined;
  const n = Number(v.slice(0, -1));
  if (!Number.isInteger(n) || n < 0) return undefined;
  switch (v.charCodeAt(v.length - 1)) {
    case 0x48: // H
      return n * 3_600_000;
    case 0x4d: // M
      return n * 60_000;
    case 0x53: // S
      return n * 1000;
    case 0x6d: // m
      return n;
    case 0x75: // u
      return Math.ceil(n / 1000);
    case 0x6e: // n
      return Math.ceil(n / 1_000_000);
    default:
      return undefined;
  }
}

export function isInternalAddress(ip: string): boolean {
  return (
    ip.startsWith('10.') ||
    ip.startsWith('192.168.') ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(ip) ||
    ip.startsWith('127.') ||
    ip === '::1' ||
    ip.startsWith('::ffff:127.') ||
    ip.startsWith('fd')
  );
}

/** Edits `h` in place; returns the request id ('' when none and generation is off). */
export function prepareRequestHeaders(
  h: string[],
  cfg: HttpConnectionManager,
  keepUpgrade: boolean,
  remoteAddress: string,
  scheme: string,
  security: ConnectionSecurity = PLAINTEXT,
): string {
  let rid: string | undefined;
  let xfp = false;
  let xffAt = -1;
  let xfccAt = -1;
  for (let i = 0; i < h.length; i += 2) {
    switch (h[i]) {
      case 'connection':
      case 'keep-alive':
      case 'proxy-connection':
      case 'expect':
      case 'x-envoy-expected-rq-timeout-ms':
        h[i] = '';
        h[i + 1] = '';
        break;
      case 'upgrade':
        if (!keepUpgrade) {
          h[i] = '';
          h[i + 1] = '';
        }
        break;
      case 'x-request-id':
        rid = h[i + 1];
        break;
      case 'x-forwarded-proto':
        xfp = true;
        break;
      case 'x-forwarded-for':
        xffAt = i + 1;
        break;
      case 'x-forwarded-client-cert':
        if (xfccAt < 0) xfccAt = i;
        break;
    }
  }
  // Only mutual TLS connections or a forwarding mode keep or get the header; the common plain-text,
  // header-free case costs nothing more than the scan above.
  if (xfccAt >= 0 || security.policy === 'mutual_tls')
    forwardClientCert(h, xfccAt, cfg.forwardClientCertDetails, security, cfg.xfccCert === true);
  // Keep the caller's request id unless this is an edge request from outside and not preserved.
  if (cfg.generateRequestId) {
    if (rid === undefined) {
      rid = uuidV4();
      h.push('x-request-id', rid);
    } else if (cfg.useRemoteAddress && !cfg.preserveExternalRequestId && !isInternalAddress(remoteAddress)) {
      rid = uuidV4();
      setHeader(h, 'x-request-id', rid);
    }
  }
  if (cfg.useRemoteAddress) {
    if (xffAt >= 0) h[xffAt] = `${h[xffAt]},${remoteAddress}`;
    else h.push('x-forwarded-for', remoteAddress);
    if (xfp) setHeader(h, 'x-forwarded-proto', scheme);
    else h.push('x-forwarded-proto', scheme);
  } else if (!xfp) h.push('x-forwarded-proto', scheme);
  return rid ?? '';
}
