// IST0109 ConflictingMeshGatewayVirtualServiceHosts: several VirtualServices bound to the mesh define the
// same host, so which one a sidecar uses is undefined. IST0132 VirtualServiceHostNotFoundInGateway: a
// VirtualService host that no server of its bound Gateway accepts.
import {
  type GatewaySpec,
  hostMatches,
  type Resource,
  resourceId,
  type VirtualServiceSpec,
} from '../../api/index.js';
import type { AnalysisContext } from '../context.js';
import { type Finding, finding } from '../finding.js';

export function conflictingMeshHosts(ctx: AnalysisContext): Finding[] {
  const byHost = new Map<string, { vs: Resource<VirtualServiceSpec>; index: number }[]>();
  for (const vs of ctx.of<VirtualServiceSpec>('VirtualService')) {
    const gateways = vs.spec.gateways ?? ['mesh'];
    if (!gateways.includes('mesh')) continue;
    // A VirtualService exported only to its own namespace cannot conflict with another namespace's.
    const local = vs.spec.exportTo?.length === 1 && vs.spec.exportTo[0] === '.';
    for (const [index, h] of (vs.spec.hosts ?? []).entries()) {
      const key = `${ctx.fqdn(h, vs.metadata.namespace)}${local ? `@${vs.metadata.namespace}` : ''}`;
      const list = byHost.get(key) ?? [];
      list.push({ vs, index });
      byHost.set(key, list);
    }
  }
  const out: Finding[] = [];
  for (const [key, list] of byHost) {
    if (list.length < 2) continue;
    const names = list.map((e) => `${e.vs.metadata.namespace}/${e.vs.metadata.name}`).sort();
    const host = key.split('@')[0];
    for (const { vs, index } of list) {
      out.push(
        finding(
          'IST0109',
          vs,
          `spec.hosts[${index}]`,
          `The VirtualServices ${names.join(',')} associated with mesh gateway define the same host \`${host}\` which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
        ),
      );
    }
  }
  return out;
}

/** Does a Gateway server host (`host`, `ns/host`, `./host`, `*​/host`) accept `host` for a route in `vsNamespace`? */
function serverAccepts(serverHost: string, gwNamespace: string, vsNamespace: string, host: string): boolean {
  let ns = '*';
  let h = serverHost;
  if (serverHost.includes('/')) [ns, h] = serverHost.split('/', 2);
  if (ns === '.') ns = gwNamespace;
  if (ns !== '*' && ns !== vsNamespace) return false;
  return hostMatches(h, host) || hostMatches(host, h);
}

export function hostsNotInGateway(ctx: AnalysisContext): Finding[] {
  const out: Finding[] = [];
  for (const vs of ctx.of<VirtualServiceSpec>('VirtualService')) {
    for (const [gi, ref] of (vs.spec.gateways ?? []).entries()) {
      if (ref === 'mesh') continue;
      const [ns, name] = ref.includes('/') ? ref.split('/', 2) : [vs.metadata.namespace, ref];
      const gw = ctx
        .of<GatewaySpec>('Gateway')
        .find(
          (g) =>
            g.apiVersion.startsWith('networking.istio.io/') &&
            g.metadata.name === name &&
            g.metadata.namespace === ns,
        );
      if (!gw) continue; // IST0101 reports it
      const missing = (vs.spec.hosts ?? []).filter(
        (h) =>
          !gw.spec.servers.some((s) => s.hosts.some((sh) => serverAccepts(sh, ns, vs.metadata.namespace, h))),
      );
      if (missing.length === 0) continue;
      out.push(
        finding(
          'IST0132',
          vs,
          `spec.gateways[${gi}]`,
          `one or more host [${missing.join(', ')}] defined in ${resourceId(vs)} not found in Gateway ${ns}/${name}.`,
          `add the host to a server of Gateway ${ns}/${name}, or remove it from the VirtualService`,
        ),
      );
    }
  }
  return out;
}
