// IST0101 ReferencedResourceNotFound: VirtualService gateways, destination hosts and subsets, and the
// namespaces an AuthorizationPolicy names, that no input declares.
import type { AuthorizationPolicySpec, Destination, VirtualServiceSpec } from '../../api/index.js';
import type { AnalysisContext } from '../context.js';
import { type Finding, finding } from '../finding.js';

const ISTIO_GROUP = 'networking.istio.io/';

function gatewayExists(ctx: AnalysisContext, ref: string, namespace: string): boolean {
  const [ns, name] = ref.includes('/') ? ref.split('/', 2) : [namespace, ref];
  return ctx
    .of('Gateway')
    .some(
      (g) => g.apiVersion.startsWith(ISTIO_GROUP) && g.metadata.name === name && g.metadata.namespace === ns,
    );
}

/** Every destination of a VirtualService with the field path it sits at. */
function* destinations(vs: VirtualServiceSpec): Generator<[Destination, string]> {
  for (const [i, http] of (vs.http ?? []).entries()) {
    for (const [j, rd] of (http.route ?? []).entries())
      yield [rd.destination, `spec.http[${i}].route[${j}].destination`];
    if (http.mirror) yield [http.mirror, `spec.http[${i}].mirror`];
    for (const [j, m] of (http.mirrors ?? []).entries())
      yield [m.destination, `spec.http[${i}].mirrors[${j}].destination`];
  }
  for (const kind of ['tcp', 'tls'] as const) {
    for (const [i, r] of (vs[kind] ?? []).entries()) {
      for (const [j, rd] of (r.route ?? []).entries())
        yield [rd.destination, `spec.${kind}[${i}].route[${j}].destination`];
    }
  }
}

export function referencedResources(ctx: AnalysisContext): Finding[] {
  const out: Finding[] = [];
  for (const vs of ctx.of<VirtualServiceSpec>('VirtualService')) {
    const ns = vs.metadata.namespace;
    for (const [i, gw] of (vs.spec.gateways ?? []).entries()) {
      if (gw === 'mesh' || gatewayExists(ctx, gw, ns)) continue;
      out.push(
        finding(
          'IST0101',
          vs,
          `spec.gateways[${i}]`,
          `Referenced gateway not found: "${gw}"`,
          `create a Gateway named "${gw}" in namespace ${gw.includes('/') ? gw.split('/')[0] : ns}, or bind to "mesh"`,
        ),
      );
    }
    for (const [dest, path] of destinations(vs.spec)) {
      const fqdn = ctx.fqdn(dest.host, ns);
      if (ctx.knowsServices && !ctx.hasService(fqdn)) {
        out.push(
          finding(
            'IST0101',
            vs,
            `${path}.host`,
            `Referenced host not found: "${dest.host}"`,
            `declare a Service or ServiceEntry for ${fqdn}`,
          ),
        );
        continue;
      }
      if (!dest.subset) continue;
      const rules = ctx.destinationRulesFor(fqdn, ns);
      if (rules.some((dr) => (dr.spec.subsets ?? []).some((s) => s.name === dest.subset))) continue;
      out.push(
        finding(
          'IST0101',
          vs,
          `${path}.subset`,
          `Referenced host+subset in destinationrule not found: "${dest.host}+${dest.subset}"`,
          rules.length > 0
            ? `add subset "${dest.subset}" to DestinationRule ${rules[0].metadata.namespace}/${rules[0].metadata.name}`
            : `create a DestinationRule for ${fqdn} with a subset "${dest.subset}"`,
        ),
      );
    }
  }
  if (ctx.knowsNamespaces) {
    for (const ap of ctx.of<AuthorizationPolicySpec>('AuthorizationPolicy')) {
      for (const [i, rule] of (ap.spec.rules ?? []).entries()) {
        for (const [j, from] of (rule.from ?? []).entries()) {
          for (const [k, ns] of (from.source?.namespaces ?? []).entries()) {
            if (ns.includes('*') || ctx.namespaces.has(ns)) continue;
            out.push(
              finding(
                'IST0101',
                ap,
                `spec.rules[${i}].from[${j}].source.namespaces[${k}]`,
                `Referenced namespace not found: "${ns}"`,
              ),
            );
          }
        }
      }
    }
  }
  return out;
}
