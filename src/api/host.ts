// Hostnames as Istio uses them: syntax checks (FQDN, wildcard, short name), short name → FQDN, wildcard matching.
import { isIP } from 'node:net';

export const DEFAULT_DOMAIN = 'cluster.local';

const DNS_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
const WILDCARD_LABEL = /^\*([-A-Za-z0-9]*[A-Za-z0-9])?$/;

export interface HostRules {
  /** `*` and `*.example.com` accepted (default true). */
  wildcard?: boolean;
  /** Names without a dot, resolved against the resource's namespace (default true). */
  shortName?: boolean;
  /** Literal IP addresses accepted (default true). */
  ip?: boolean;
}

/** Why `host` is not a valid Istio hostname under `rules`, or undefined when it is. */
export function hostError(host: string, rules: HostRules = {}): string | undefined {
  const { wildcard = true, shortName = true, ip = true } = rules;
  if (host === '') return 'host must not be empty';
  if (isIP(host)) return ip ? undefined : `host "${host}" must be a name, not an IP address`;
  if (host.length > 253) return `host "${host}" is longer than 253 characters`;
  if (host === '*') return wildcard ? undefined : 'wildcard host "*" is not allowed here';
  const labels = host.split('.');
  if (!shortName && labels.length === 1) {
    return `host "${host}" must be a fully qualified name (e.g. ${host}.default.svc.cluster.local)`;
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label.includes('*')) {
      if (!wildcard) return `wildcard host "${host}" is not allowed here`;
      if (i !== 0 || !WILDCARD_LABEL.test(label)) {
        return `invalid host "${host}": a wildcard may only be the first label (e.g. "*.example.com")`;
      }
      continue;
    }
    if (label.length === 0 || label.length > 63 || !DNS_LABEL.test(label)) {
      return `invalid host "${host}": label "${label}" must be 1-63 letters, digits or "-", not starting or ending with "-"`;
    }
  }
  return undefined;
}

/**
 * Why a `namespace/host` reference (Gateway servers, Sidecar egress) is invalid, or undefined. The namespace
 * part is a namespace name, `*` (any), `.` (the resource's own) or `~` (none); `requireNamespace` rejects a
 * bare host.
 */
export function namespacedHostError(value: string, requireNamespace: boolean): string | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) {
    if (requireNamespace)
      return `host "${value}" must be written as namespace/host (e.g. "./${value}" or "*/${value}")`;
    return hostError(value, { shortName: false });
  }
  const ns = value.slice(0, slash);
  const host = value.slice(slash + 1);
  if (!(ns === '*' || ns === '.' || ns === '~' || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns))) {
    return `invalid namespace "${ns}" in "${value}": use a namespace name, "*", "." or "~"`;
  }
  const err = hostError(host, { shortName: false });
  return err === undefined ? undefined : `${err} (in "${value}")`;
}

/** True for a name without a dot, which Istio resolves against the namespace of the resource that wrote it. */
export function isShortName(host: string): boolean {
  return host !== '*' && !host.includes('.') && isIP(host) === 0;
}

/**
 * The fully qualified name Istio gives `host` when written in `namespace`: a short name becomes
 * `<name>.<namespace>.svc.<domain>`; names with a dot, `*` and IPs are kept.
 */
export function toFqdn(host: string, namespace: string, domain = DEFAULT_DOMAIN): string {
  if (!isShortName(host)) return host;
  return `${host}.${namespace}.svc.${domain}`;
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/**
 * Whether `pattern` covers `host` (both FQDNs; case-insensitive): equal names, `*` covers all, `*.example.com`
 * covers every name ending in `.example.com` (also a narrower wildcard such as `*.a.example.com`).
 */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h || p === '*') return true;
  if (!isWildcard(p)) return false;
  const suffix = p.slice(1);
  if (isWildcard(h)) return h.slice(1).endsWith(suffix);
  return h.endsWith(suffix) && h.length > suffix.length;
}

/** Whether two hosts (either may be a wildcard) can both match some name. */
export function hostsOverlap(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}
