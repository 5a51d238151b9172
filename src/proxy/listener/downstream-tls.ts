// Downstream TLS for a filter chain: the certificate, key and trust roots from inline PEM or SDS secrets
// (resolved through the secret store), the ALPN list to offer, whether client certificates are requested
// and required, and the chain's own SPIFFE identity. Rebuilt whenever an SDS secret it names changes.
import { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import type { StaticSecret } from '../config/bootstrap.js';
import type { DownstreamTlsContext } from '../config/tls.js';
import { parseSubjectAltNames } from '../upstream/upstream-tls.js';

export type SecretLookup = (name: string) => StaticSecret | undefined;

export interface ChainTls {
  /** Certificate, key, CA and version bounds, as tls.createServer / setSecureContext take them. */
  options: tls.SecureContextOptions;
  alpn: string[];
  /** Reject handshakes without a valid client certificate (Envoy's require_client_certificate). */
  requireClientCert: boolean;
  /** Ask for a client certificate: required, or a validation context is configured (then verified if sent). */
  requestCert: boolean;
  /** The first URI SAN of our own certificate ('' when none): XFCC's By=, %DOWNSTREAM_LOCAL_URI_SAN%. */
  localUriSan: string;
}

/** An SDS secret the context names is not in the store yet (the chain waits for it). */
export class MissingSecretError extends Error {
  constructor(readonly names: string[]) {
    super(`SDS secret ${names.join(', ')} is not available`);
  }
}

/** SDS secret names a downstream TLS context depends on. */
export function chainSecretNames(ctx: DownstreamTlsContext): string[] {
  const names: string[] = [];
  for (const c of ctx.common.certificates) if (c.kind === 'sds') names.push(c.name);
  const v = ctx.common.validation;
  if (v?.kind === 'sds') names.push(v.name);
  return names;
}

/** The first `URI:` entry of a certificate's subject alt names; '' when none or unparsable. */
export function firstUriSan(certPem: string): string {
  try {
    return uriSanOf(new X509Certificate(certPem).subjectAltName);
  } catch {
    return '';
  }
}

/** The first URI in Node's `subjectaltname` text (`URI:spiffe://…, DNS:x`); '' when none. */
export function uriSanOf(subjectAltName: string | undefined): string {
  return parseSubjectAltNames(subjectAltName).find(([type]) => type === 'URI')?.[1] ?? '';
}

/** The parts of a chain's TLS settings that do not depend on secrets (fixed for the chain's lifetime). */
export function chainTlsShape(
  ctx: DownstreamTlsContext,
  defaultAlpn: string[],
): Pick<ChainTls, 'alpn' | 'requireClientCert' | 'requestCert'> {
  return {
    alpn: ctx.common.alpnProtocols.length > 0 ? ctx.common.alpnProtocols : defaultAlpn,
    requireClientCert: ctx.requireClientCertificate,
    requestCert: ctx.requireClientCertificate || ctx.common.validation !== undefined,
  };
}

/** Builds the chain's TLS settings; throws MissingSecretError while an SDS secret is absent. */
export function buildChainTls(
  ctx: DownstreamTlsContext,
  secrets: SecretLookup,
  defaultAlpn: string[],
): ChainTls {
  const opts: tls.SecureContextOptions = {};
  const missing: string[] = [];
  const cert = ctx.common.certificates[0];
  if (cert === undefined) throw new Error('downstream TLS context has no certificate');
  if (cert.kind === 'inline') {
    opts.cert = cert.certificateChain;
    opts.key = cert.privateKey;
  } else {
    const s = secrets(cert.name);
    if (s?.certificateChain === undefined || s.privateKey === undefined) missing.push(cert.name);
    else {
      opts.cert = s.certificateChain;
      opts.key = s.privateKey;
    }
  }
  const v = ctx.common.validation;
  if (v !== undefined) {
    if (v.kind === 'inline') opts.ca = v.trustedCa;
    else {
      // Without its roots the chain could verify nobody: it waits for them like for its certificate.
      const s = secrets(v.name);
      if (s?.trustedCa === undefined) missing.push(v.name);
      else opts.ca = s.trustedCa;
    }
  }
  if (missing.length > 0) throw new MissingSecretError(missing);
  if (ctx.common.minVersion !== undefined)
    opts.minVersion = ctx.common.minVersion === 'TLSv1_3' ? 'TLSv1.3' : 'TLSv1.2';
  if (ctx.common.maxVersion !== undefined)
    opts.maxVersion = ctx.common.maxVersion === 'TLSv1_3' ? 'TLSv1.3' : 'TLSv1.2';
  return {
    options: opts,
    ...chainTlsShape(ctx, defaultAlpn),
    localUriSan: typeof opts.cert === 'string' ? firstUriSan(opts.cert) : '',
  };
}
