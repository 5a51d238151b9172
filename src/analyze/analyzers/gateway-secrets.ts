// IST0101 ReferencedResourceNotFound for a Gateway server's credentialName: no Secret of that name where the
// gateway's proxies run (the namespace of the workloads its selector picks; when none is known, the
// Gateway's namespace or the root namespace, where `trellis up` runs its gateways). The control plane
// leaves such a server out, so this says why its host answers no TLS.
import type { GatewaySpec, Resource } from '../../api/index.js';
import type { AnalysisContext } from '../context.js';
import { type Finding, finding } from '../finding.js';

/** Namespaces where the Gateway's proxies may run. */
function gatewayNamespaces(ctx: AnalysisContext, gw: Resource<GatewaySpec>): string[] {
  const selector = gw.spec.selector ?? {};
  const picked = ctx.workloads.filter((w) => Object.entries(selector).every(([k, v]) => w.labels[k] === v));
  if (picked.length > 0) return [...new Set(picked.map((w) => w.namespace))];
  return [...new Set([gw.metadata.namespace, ctx.rootNamespace])];
}

export function missingGatewaySecrets(ctx: AnalysisContext): Finding[] {
  const secrets = new Set(ctx.of('Secret').map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
  const out: Finding[] = [];
  for (const gw of ctx.of<GatewaySpec>('Gateway')) {
    if (!gw.apiVersion.startsWith('networking.istio.io/')) continue;
    const where = gatewayNamespaces(ctx, gw);
    (gw.spec.servers ?? []).forEach((server, i) => {
      const tls = server.tls;
      if (
        !tls ||
        tls.mode === 'ISTIO_MUTUAL' ||
        tls.mode === 'PASSTHROUGH' ||
        tls.mode === 'AUTO_PASSTHROUGH'
      )
        return;
      const names = tls.credentialNames?.length
        ? tls.credentialNames
        : tls.credentialName
          ? [tls.credentialName]
          : [];
      const field = tls.credentialNames?.length ? 'credentialNames' : 'credentialName';
      names.forEach((raw, j) => {
        const name = raw.replace(/^kubernetes(-gateway)?:\/\//, '');
        const slash = name.indexOf('/');
        const candidates = slash < 0 ? where.map((ns) => `${ns}/${name}`) : [name];
        if (candidates.some((c) => secrets.has(c))) return;
        const path = `spec.servers[${i}].tls.${field}${field === 'credentialNames' ? `[${j}]` : ''}`;
        out.push(
          finding(
            'IST0101',
            gw,
            path,
            `Referenced credentialName not found: "${raw}"`,
            `create a Secret ${candidates.join(' or ')} (kubernetes.io/tls with tls.crt and tls.key, or cert and key); until then this server is left out of the gateway`,
          ),
        );
      });
    });
  }
  return out;
}
