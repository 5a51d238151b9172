// Host names in the registry: Kubernetes-style short-name resolution on top of src/api's host helpers.
import { isIP } from 'node:net';
import { DEFAULT_DOMAIN, isShortName, toFqdn } from '../api/index.js';

export { DEFAULT_DOMAIN };

/** The hostname of a Kubernetes-style service: `name.namespace.svc.<domain>`. */
export function serviceHostname(name: string, namespace: string, domain = DEFAULT_DOMAIN): string {
  return `${name}.${namespace}.svc.${domain}`;
}

/**
 * The names a host may stand for, in the order Kubernetes' DNS search path tries them from a pod in
 * `namespace`: `reviews` → `reviews.<ns>.svc.<domain>`; `reviews.prod` → `reviews.prod.svc.<domain>`, then as
 * written; `reviews.prod.svc` → `reviews.prod.svc.<domain>`, then as written; anything else as written.
 */
export function hostCandidates(host: string, namespace: string, domain = DEFAULT_DOMAIN): string[] {
  if (host === '' || host === '*' || host.startsWith('*.') || isIP(host) !== 0) return [host];
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (isShortName(name)) return [toFqdn(name, namespace, domain)];
  if (host.endsWith('.')) return [name];
  const labels = name.split('.');
  if (labels.length === 2) return [`${name}.svc.${domain}`, name];
  if (labels.length === 3 && labels[2] === 'svc') return [`${name}.${domain}`, name];
  return [name];
}

/**
 * The FQDN `host` resolves to from `namespace`. With `exists` (e.g. a registry lookup) the first candidate
 * that exists wins, so `example.com` stays itself while `reviews.prod` becomes `reviews.prod.svc.<domain>`;
 * without it the first candidate is taken (Kubernetes' own first guess).
 */
export function resolveHost(
  host: string,
  namespace: string,
  domain = DEFAULT_DOMAIN,
  exists?: (fqdn: string) => boolean,
): string {
  const candidates = hostCandidates(host, namespace, domain);
  if (exists) return candidates.find(exists) ?? candidates[candidates.length - 1];
  return candidates[0];
}
