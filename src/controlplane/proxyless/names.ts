// Names a proxyless gRPC client asks for: listener names are the target's `host[:port]` (short names or
// FQDNs), resolved here to a visible service port; route configs and clusters use Istio's cluster key
// `outbound|<port>|<subset>|<fqdn>`.
import { splitHostPort as splitAddress } from '../../common/host-port.js';
import type { Service } from '../model/service.js';
import type { TranslateContext } from '../translate/context.js';
import { outboundClusterName, parseClusterName } from '../translate/names.js';

export interface ResolvedTarget {
  service: Service;
  port: number;
}

/** Splits `host:port` (bracketed IPv6 hosts allowed, host lower-cased); no port gives port undefined. */
export function splitHostPort(name: string): { host: string; port?: number } | undefined {
  const hp = splitAddress(name);
  return hp && { ...hp, host: hp.host.toLowerCase() };
}

/**
 * The FQDNs a host in a target may stand for, as Kubernetes DNS would expand it for a client in
 * `namespace`: `reviews` → `reviews.<ns>.svc.<domain>`, `reviews.prod` → `reviews.prod.svc.<domain>`,
 * `reviews.prod.svc` → `+ .<domain>`; any name may also be a registry hostname as is (ServiceEntry hosts).
 */
export function candidateHosts(host: string, namespace: string, domain: string): string[] {
  const out = [host];
  const dots = host.split('.').length - 1;
  if (dots === 0) out.push(`${host}.${namespace}.svc.${domain}`);
  else if (dots === 1) out.push(`${host}.svc.${domain}`);
  else if (host.endsWith('.svc')) out.push(`${host}.${domain}`);
  return out;
}

/** The visible service port a listener name targets; a name without a port needs a one-port service. */
export function resolveListenerName(ctx: TranslateContext, name: string): ResolvedTarget | undefined {
  const parsed = splitHostPort(name);
  if (!parsed) return undefined;
  const visible = ctx.visibleServices();
  for (const candidate of candidateHosts(parsed.host, ctx.proxy.namespace, ctx.domain)) {
    const service = visible.find((s) => s.hostname === candidate);
    if (!service) continue;
    if (parsed.port === undefined) {
      return service.ports.length === 1 ? { service, port: service.ports[0].port } : undefined;
    }
    return service.ports.some((p) => p.port === parsed.port) ? { service, port: parsed.port } : undefined;
  }
  return undefined;
}

/** The route config (and default cluster) name of a service port: `outbound|9080||reviews.default.svc…`. */
export function serviceKey(service: Service, port: number): string {
  return outboundClusterName(port, '', service.hostname);
}

/** An `outbound|port|subset|host` name whose host is a visible service with that port. */
export function resolveClusterName(
  ctx: TranslateContext,
  name: string,
): (ResolvedTarget & { subset: string }) | undefined {
  const parsed = parseClusterName(name);
  if (parsed?.direction !== 'outbound') return undefined;
  const service = ctx.visibleServices().find((s) => s.hostname === parsed.host);
  if (!service?.ports.some((p) => p.port === parsed.port)) return undefined;
  return { service, port: parsed.port, subset: parsed.subset };
}
