// What a downstream connection proved about its peer, worked out once per connection at the end of the
// TLS handshake and shared by every request on it: whether it is mutual TLS, the peer's verified SPIFFE ID
// (its URI SAN: the principal authorization and metrics' source_principal use), our own URI SAN, and
// the x-forwarded-client-cert element Envoy would build for it. Plain-text connections share PLAINTEXT.
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { uriSanOf } from '../listener/downstream-tls.js';
import { parseSubjectAltNames } from '../upstream/upstream-tls.js';

export interface ConnectionSecurity {
  /** Istio's connection_security_policy: `mutual_tls` when the peer sent a certificate we verified. */
  readonly policy: 'mutual_tls' | 'none';
  /** The peer certificate's first URI SAN (`spiffe://td/ns/x/sa/y`); '' without one. */
  readonly peerUriSan: string;
  /** Our certificate's first URI SAN; '' without TLS or without one. */
  readonly localUriSan: string;
  /** Lower-case hex SHA-256 of the peer certificate's DER bytes; '' without one. */
  readonly peerCertSha256: string;
  /** The x-forwarded-client-cert element for this peer (By, Hash, Subject, URI, DNS); '' unless mTLS. */
  readonly xfccElement: string;
  /** The same with the client certificate (By, Hash, Cert, Subject, URI, DNS), for set_current's `cert`. */
  readonly xfccElementWithCert: string;
  /** Whether the connection is TLS at all (%DOWNSTREAM_LOCAL_URI_SAN% needs no client certificate). */
  readonly tls: boolean;
}

export const PLAINTEXT: ConnectionSecurity = Object.freeze({
  policy: 'none',
  peerUriSan: '',
  localUriSan: '',
  peerCertSha256: '',
  xfccElement: '',
  xfccElementWithCert: '',
  tls: false,
});

function sans(cert: X509Certificate, type: 'URI' | 'DNS'): string[] {
  return parseSubjectAltNames(cert.subjectAltName)
    .filter(([t]) => t === type)
    .map(([, v]) => v);
}

/** RFC 2253 order (most specific last in Node's text, first here), comma-separated, as Envoy prints it. */
function subjectText(cert: X509Certificate): string {
  const s = cert.subject;
  if (!s) return '';
  return s.split('\n').filter(Boolean).reverse().join(',');
}

/** PEM as Envoy puts it in XFCC's Cert: URL-encoded (`%20` for spaces, `%0a` for line ends). */
export function urlEncodedPem(pem: string): string {
  return pem.replace(/[^A-Za-z0-9\-._~+/=]/g, (c) =>
    Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
  );
}

/**
 * The XFCC element Istio's proxies set (set_current_client_cert_details: subject, uri, dns, and for
 * gateways the certificate), fields in Envoy's order: By, Hash, Cert, Subject, URI, DNS.
 */
export function xfccElementFor(
  localUriSan: string,
  hashHex: string,
  subject: string,
  uris: string[],
  dns: string[],
  certPem = '',
): string {
  let v = localUriSan !== '' ? `By=${localUriSan};Hash=${hashHex}` : `Hash=${hashHex}`;
  if (certPem !== '') v += `;Cert="${urlEncodedPem(certPem)}"`;
  v += `;Subject="${subject.replace(/"/g, '\\"')}"`;
  v += uris.length > 0 ? `;URI=${uris[0]}` : ';URI=';
  for (const d of dns) v += `;DNS=${d}`;
  return v;
}

/**
 * The security facts of a TLS connection after its handshake. A peer certificate counts only when the
 * handshake verified it (`authorized`); the caller refuses connections whose certificate failed.
 */
export function tlsConnectionSecurity(socket: TLSSocket, localUriSan: string): ConnectionSecurity {
  const peer = socket.authorized ? socket.getPeerX509Certificate() : undefined;
  if (peer === undefined) return { ...PLAINTEXT, localUriSan, tls: true };
  const hash = peer.fingerprint256.replace(/:/g, '').toLowerCase();
  const uris = sans(peer, 'URI');
  const subject = subjectText(peer);
  const dns = sans(peer, 'DNS');
  return {
    policy: 'mutual_tls',
    peerUriSan: uris[0] ?? '',
    localUriSan,
    peerCertSha256: hash,
    xfccElement: xfccElementFor(localUriSan, hash, subject, uris, dns),
    xfccElementWithCert: xfccElementFor(localUriSan, hash, subject, uris, dns, peer.toString()),
    tls: true,
  };
}

/** Applies the connection manager's forward_client_cert_details to the request's XFCC header, as Envoy does. */
export function forwardClientCert(
  h: string[],
  xfccAt: number,
  mode: 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY',
  sec: ConnectionSecurity,
  withCert = false,
): void {
  const element = withCert ? sec.xfccElementWithCert : sec.xfccElement;
  if (mode === 'ALWAYS_FORWARD_ONLY') return;
  // Every other mode drops a client-supplied header unless the connection is mutual TLS.
  const mtls = sec.policy === 'mutual_tls';
  if (!mtls || mode === 'SANITIZE') {
    if (xfccAt >= 0) dropAll(h, xfccAt);
    return;
  }
  if (mode === 'FORWARD_ONLY') return;
  if (mode === 'SANITIZE_SET' || xfccAt < 0) {
    if (xfccAt >= 0) dropAll(h, xfccAt);
    h.push('x-forwarded-client-cert', element);
    return;
  }
  // APPEND_FORWARD: what earlier hops forwarded, then this connection's element.
  let value = '';
  for (let i = xfccAt; i < h.length; i += 2) {
    if (h[i] !== 'x-forwarded-client-cert') continue;
    value += `${h[i + 1]},`;
    h[i] = '';
    h[i + 1] = '';
  }
  h.push('x-forwarded-client-cert', value + element);
}

/** Blanks every x-forwarded-client-cert entry from `from` (the first one's name index) on. */
function dropAll(h: string[], from: number): void {
  for (let i = from; i < h.length; i += 2) {
    if (h[i] === 'x-forwarded-client-cert') {
      h[i] = '';
      h[i + 1] = '';
    }
  }
}

/** Anything TLS-shaped enough to ask for the peer certificate (a TLSSocket, or HTTP/2's socket proxy). */
interface PeerCertificateSource {
  getPeerCertificate?: (detailed?: boolean) => { subjectaltname?: string } | null;
}

const upstreamUriSans = new WeakMap<object, string>();

/**
 * The upstream peer's URI SAN (%UPSTREAM_PEER_URI_SAN%) for the connection `key` (an H1 socket or an H2
 * session) whose TLS side is `source`; '' for plain text. Worked out once per connection.
 */
export function upstreamPeerUriSan(key: object, source: unknown): string {
  const hit = upstreamUriSans.get(key);
  if (hit !== undefined) return hit;
  let san = '';
  try {
    // HTTP/2's socket proxy throws once the session is gone: then there is nothing to report.
    const src = source as PeerCertificateSource | null | undefined;
    const sub =
      typeof src?.getPeerCertificate === 'function' ? src.getPeerCertificate(false)?.subjectaltname : '';
    if (sub) san = uriSanOf(sub);
  } catch {
    san = '';
  }
  upstreamUriSans.set(key, san);
  return san;
}
