// Virtual host domains of a service port as Istio writes them: the FQDN, the shorter names a caller in the
// same namespace may use (`reviews`, `reviews.default`, `reviews.default.svc`), `<name>.<ns>` forms from
// other namespaces, and the service addresses, each also with `:<port>`.
import type { Service } from '../../model/service.js';

export function serviceDomains(
  service: Service,
  port: number,
  callerNamespace: string,
  domain: string,
  portQualifiedOnly: boolean,
): string[] {
  const names = [service.hostname];
  const suffix = `.svc.${domain}`;
  if (service.hostname.endsWith(suffix)) {
    const base = service.hostname.slice(0, -`.${domain}`.length); // name.ns.svc
    const [name, ns] = base.split('.');
    if (ns === callerNamespace) names.push(name);
    names.push(`${name}.${ns}`, base);
  }
  names.push(...service.addresses);
  const out: string[] = [];
  for (const n of names) {
    if (!portQualifiedOnly || port === 80) out.push(n);
    out.push(`${n}:${port}`);
  }
  return out;
}
