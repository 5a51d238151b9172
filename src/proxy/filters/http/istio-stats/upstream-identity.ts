// Our own SPIFFE ID on an upstream connection (the client certificate we presented), worked out once per
// connection: the client side's source_principal. '' for plain text or a certificate without a URI SAN.
import { uriSanOf } from '../../../listener/downstream-tls.js';

interface LocalCertificateSource {
  getCertificate?: () => { subjectaltname?: string } | null | object;
}

const localSans = new WeakMap<object, string>();

/** The URI SAN of the certificate `source` (a TLS socket, or HTTP/2's socket proxy) presented, cached by `key`. */
export function upstreamLocalUriSan(key: object, source: unknown): string {
  const hit = localSans.get(key);
  if (hit !== undefined) return hit;
  let san = '';
  try {
    // HTTP/2's socket proxy throws once the session is gone: then there is nothing to report.
    const src = source as LocalCertificateSource | null | undefined;
    const cert = typeof src?.getCertificate === 'function' ? src.getCertificate() : null;
    const sub = cert !== null && 'subjectaltname' in cert ? cert.subjectaltname : undefined;
    if (typeof sub === 'string') san = uriSanOf(sub);
  } catch {
    san = '';
  }
  localSans.set(key, san);
  return san;
}

/** The first `grpc-status` value in a flat [name, value, …] list; '' when absent. */
export function grpcStatusIn(h: readonly string[] | null): string {
  if (h === null) return '';
  for (let i = 0; i < h.length; i += 2) if (h[i] === 'grpc-status') return h[i + 1];
  return '';
}
