// IST0113 MTLSPolicyConflict: a DestinationRule's TLS mode contradicts the PeerAuthentication of the
// destination's namespace; IST0128: a DestinationRule originates TLS without verifying the server.
import type { DestinationRuleSpec, PeerAuthenticationSpec, Resource } from '../../api/index.js';
import type { AnalysisContext } from '../context.js';
import { type Finding, finding } from '../finding.js';

/** The namespace-wide (or, failing that, mesh-wide) PeerAuthentication mode for workloads in `namespace`. */
function peerMode(ctx: AnalysisContext, namespace: string): Resource<PeerAuthenticationSpec> | undefined {
  const wide = ctx
    .of<PeerAuthenticationSpec>('PeerAuthentication')
    .filter((pa) => !pa.spec.selector?.matchLabels && pa.spec.mtls?.mode && pa.spec.mtls.mode !== 'UNSET');
  return (
    wide.find((pa) => pa.metadata.namespace === namespace) ??
    wide.find((pa) => pa.metadata.namespace === ctx.rootNamespace)
  );
}

export function mtlsConflicts(ctx: AnalysisContext): Finding[] {
  const out: Finding[] = [];
  for (const dr of ctx.of<DestinationRuleSpec>('DestinationRule')) {
    const mode = dr.spec.trafficPolicy?.tls?.mode;
    if (mode !== 'DISABLE' && mode !== 'ISTIO_MUTUAL') continue;
    const fqdn = ctx.fqdn(dr.spec.host, dr.metadata.namespace);
    const serviceNs = fqdn.split('.')[1] ?? dr.metadata.namespace;
    const pa = peerMode(ctx, serviceNs);
    if (!pa) continue;
    const peer = pa.spec.mtls!.mode;
    const conflict =
      (mode === 'DISABLE' && peer === 'STRICT') || (mode === 'ISTIO_MUTUAL' && peer === 'DISABLE');
    if (!conflict) continue;
    out.push(
      finding(
        'IST0113',
        dr,
        'spec.trafficPolicy.tls.mode',
        `A DestinationRule and Policy are in conflict with regards to mTLS for host ${fqdn}:*. The DestinationRule "${dr.metadata.namespace}/${dr.metadata.name}" specifies that mTLS must be ${mode === 'ISTIO_MUTUAL'} but the Policy object "${pa.metadata.namespace}/${pa.metadata.name}" specifies ${peer}.`,
        mode === 'DISABLE'
          ? 'use tls mode ISTIO_MUTUAL, or PeerAuthentication PERMISSIVE'
          : 'remove the tls setting, or enable mTLS',
      ),
    );
  }
  return out;
}

export function unverifiedServerTls(ctx: AnalysisContext): Finding[] {
  const out: Finding[] = [];
  for (const dr of ctx.of<DestinationRuleSpec>('DestinationRule')) {
    const tls = dr.spec.trafficPolicy?.tls;
    if (!tls || (tls.mode !== 'SIMPLE' && tls.mode !== 'MUTUAL')) continue;
    if (tls.caCertificates || tls.credentialName || tls.insecureSkipVerify) continue;
    out.push(
      finding(
        'IST0128',
        dr,
        'spec.trafficPolicy.tls',
        `DestinationRule ${dr.metadata.namespace}/${dr.metadata.name} in namespace ${dr.metadata.namespace} has TLS mode set to ${tls.mode} but no caCertificates are set to validate server identity for host: ${dr.spec.host}`,
        'set caCertificates or credentialName, or insecureSkipVerify: true to accept any server',
      ),
    );
  }
  return out;
}
