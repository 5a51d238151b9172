// Upstream TLS for a cluster (Envoy's UpstreamTlsContext): client certificate and trust from inline PEM or
// SDS secrets, SNI, ALPN, and subject-alt-name checks (SPIFFE URI SANs for Istio mTLS) in place of
// hostname verification, as Envoy does when match_subject_alt_names is set.
import type tls from 'node:tls';
import RE2 from 're2';
import type { StaticSecret } from '../config/bootstrap.js';
import type { SanMatch, UpstreamTlsContext } from '../config/tls.js';

export type SecretLookup = (name: string) => StaticSecret | undefined;

function sanMatcher(m: SanMatch): (type: string, value: string) => boolean {
  const re = m.kind === 'regex' ? new RE2(`^(?:${m.value})$`, 'u') : undefined;
  const type = m.sanType === 'IP_ADDRESS' ? 'IP Address' : m.sanType;
  return (t, v) => {
    if (t !== type) return false;
    switch (m.kind) {
      case 'exact':
        return v === m.value;
      case 'prefix':
        return v.startsWith(m.value);
      case 'suffix':
        return v.endsWith(m.value);
      case 'contains':
        return v.includes(m.value);
      case 'regex':
        return re!.test(v);
    }
  };
}

/** Splits Node's `subjectaltname` string (`URI:spiffe://…, DNS:a.b`) into [type, value] pairs. */
export function parseSubjectAltNames(s: string | undefined): [string, string][] {
  if (!s) return [];
  return s.split(', ').map((part) => {
    const i = part.indexOf(':');
    return [part.slice(0, i), part.slice(i + 1)] as [string, string];
  });
}

/** tls.connect options for the cluster; throws naming a missing SDS secret. */
export function buildUpstreamTls(
  ctx: UpstreamTlsContext,
  secrets: SecretLookup,
  alpn: string[],
): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { rejectUnauthorized: false };
  const cert = ctx.common.certificates[0];
  if (cert !== undefined) {
    if (cert.kind === 'inline') {
      o.cert = cert.certificateChain;
      o.key = cert.privateKey;
    } else {
      const s = secrets(cert.name);
      if (s?.certificateChain === undefined || s.privateKey === undefined)
        throw new Error(`SDS secret ${cert.name} is not available`);
      o.cert = s.certificateChain;
      o.key = s.privateKey;
    }
  }
  const v = ctx.common.validation;
  if (v !== undefined) {
    const ca = v.kind === 'inline' ? v.trustedCa : secrets(v.name)?.trustedCa;
    if (ca === undefined)
      throw new Error(`SDS validation secret ${v.kind === 'sds' ? v.name : ''} is not available`);
    o.ca = ca;
    o.rejectUnauthorized = true;
    const matchers = v.matchSubjectAltNames.map(sanMatcher);
    o.checkServerIdentity = (_host, peer) => {
      if (matchers.length === 0) return undefined;
      const sans = parseSubjectAltNames(peer.subjectaltname);
      for (const [t, val] of sans) for (const m of matchers) if (m(t, val)) return undefined;
      return new Error(
        `upstream certificate SANs ${peer.subjectaltname ?? '(none)'} match none of the configured names`,
      );
    };
  }
  if (ctx.sni !== undefined && ctx.sni !== '') o.servername = ctx.sni;
  const protocols = ctx.common.alpnProtocols.length > 0 ? ctx.common.alpnProtocols : alpn;
  if (protocols.length > 0) o.ALPNProtocols = protocols;
  if (ctx.common.minVersion !== undefined)
    o.minVersion = ctx.common.minVersion === 'TLSv1_3' ? 'TLSv1.3' : 'TLSv1.2';
  if (ctx.common.maxVersion !== undefined)
    o.maxVersion = ctx.common.maxVersion === 'TLSv1_3' ? 'TLSv1.3' : 'TLSv1.2';
  return o;
}
