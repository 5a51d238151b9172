// Locality-aware endpoint grouping: Istio's failover priorities (same region/zone/subzone first) and
// weighted distribution (localityLbSetting.distribute), relative to the proxy's own locality.
import type { LoadBalancerSettings } from '../../../api/index.js';

export function splitLocality(locality: string | undefined): [string, string, string] {
  const [region = '', zone = '', subZone = ''] = (locality ?? '').split('/');
  return [region, zone, subZone];
}

/**
 * Istio's failover order: 0 when the whole locality matches, 1 region+zone, 2 region, 3 the region a
 * `failover` rule names for the proxy's region, 4 anything else.
 */
export function failoverPriority(
  proxyLocality: string,
  endpointLocality: string,
  failover: readonly { from?: string; to?: string }[] = [],
): number {
  const [pr, pz, ps] = splitLocality(proxyLocality);
  const [er, ez, es] = splitLocality(endpointLocality);
  if (pr !== er) return failover.some((f) => f.from === pr && f.to === er) ? 3 : 4;
  if (pz !== ez) return 2;
  if (ps !== es) return 1;
  return 0;
}

/** `region/zone/*`-style pattern match; `*` matches any part, missing trailing parts match anything. */
export function localityMatches(pattern: string, locality: string): boolean {
  const pp = pattern.split('/');
  const lp = splitLocality(locality);
  for (let i = 0; i < pp.length && i < 3; i++) {
    if (pp[i] === '*') return true;
    if (pp[i] !== lp[i]) return false;
  }
  return true;
}

/** The distribute weight of an endpoint locality for a proxy, or undefined when no rule applies. */
export function distributeWeight(
  lb: LoadBalancerSettings | undefined,
  proxyLocality: string,
  locality: string,
): number | undefined {
  const rule = lb?.localityLbSetting?.distribute?.find(
    (d) => d.from && localityMatches(d.from, proxyLocality),
  );
  if (!rule?.to) return undefined;
  for (const [pattern, weight] of Object.entries(rule.to))
    if (localityMatches(pattern, locality)) return weight;
  return 0;
}

/**
 * failoverPriority: endpoints whose labels match the proxy's on every listed key get priority 0, those
 * matching all but the last key 1, and so on (only leading matches count).
 */
export function labelPriority(
  keys: readonly string[],
  proxyLabels: Record<string, string>,
  labels: Record<string, string>,
): number {
  let matched = 0;
  for (const k of keys) {
    const want = proxyLabels[k];
    if (want === undefined || labels[k] !== want) break;
    matched++;
  }
  return keys.length - matched;
}
