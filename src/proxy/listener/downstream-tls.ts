// Downstream TLS for a filter chain: a SecureContext built once from inline PEM (or an SDS secret resolved
// through the lookup the server was given), the ALPN list to offer and whether client certs are required.
import tls from 'node:tls';
import type { StaticSecret } from '../config/bootstrap.js';
import type { DownstreamTlsContext } from '../config/tls.js';

export type SecretLookup = (name: string) => StaticSecret | undefined;

export interface ChainTls {
  /** Certificate, key, CA and version bounds, as tls.createServer takes them. */
  options: tls.SecureContextOptions;
  context: tls.SecureContext;
  alpn: string[];
  requireClientCert: boolean;
}

/** Builds the chain's TLS settings; throws with a message naming what is missing. */
export function buildChainTls(
  ctx: DownstreamTlsContext,
  secrets: SecretLookup,
  defaultAlpn: string[],
): ChainTls {
  const opts: tls.SecureContextOptions = {};
  const cert = ctx.common.certificates[0];
  if (cert === undefined) throw new Error('downstream TLS context has no certificate');
  if (cert.kind === 'inline') {
    opts.cert = cert.certificateChain;
    opts.key = cert.privateKey;
  } else {
    const s = secrets(cert.name);
    if (s?.certificateChain === undefined || s.privateKey === undefined)
      throw new Error(`SDS secret ${cert.name} is not available`);
    opts.cert = s.certificateChain;
    opts.key = s.privateKey;
  }
  const v = ctx.common.validation;
  if (v !== undefined) {
    if (v.kind === 'inline') opts.ca = v.trustedCa;
    else {
      const s = secrets(v.name);
      if (s?.trustedCa !== undefined) opts.ca = s.trustedCa;
    }
  }
  if (ctx.common.minVersion !== undefined)
    opts.minVersion = ctx.common.minVersion === 'TLSv1_3' ? 'TLSv1.3' : 'TLSv1.2';
  if (ctx.common.maxVersion !== undefined)
    opts.maxVersion = ctx.common.maxVersion === 'TLSv1_3' ? 'TLSv1.3' : 'TLSv1.2';
  const alpn = ctx.common.alpnProtocols.length > 0 ? ctx.common.alpnProtocols : defaultAlpn;
  return {
    options: opts,
    context: tls.createSecureContext(opts),
    alpn,
    requireClientCert: ctx.requireClientCertificate,
  };
}
