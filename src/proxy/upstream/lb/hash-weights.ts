// Host weights for the hash-based balancers (ring hash, maglev): the host's own weight, or, under
// locality-weighted balancing, its locality's share of the locality weights times its share within the
// locality, so that a ring or table gives each locality its configured share of the keys.
import type { HostSet } from '../host-set.js';
import type { Host } from './types.js';

function localityKey(host: Host): string {
  return `${host.locality.region}/${host.locality.zone}/${host.locality.subZone}`;
}

/** One weight per candidate (same order); all positive unless a locality has weight 0. */
export function hashWeights(candidates: readonly Host[], hostSet: HostSet): number[] {
  if (!hostSet.localityWeighted || candidates.length === 0) return candidates.map((h) => h.weight);
  const level = hostSet.levels[candidates[0].priority];
  const localityWeight = new Map<string, number>();
  for (const l of level?.localities ?? []) {
    localityWeight.set(`${l.locality.region}/${l.locality.zone}/${l.locality.subZone}`, l.weight);
  }
  // Total host weight per locality among the candidates, and the sum of weights of localities present.
  const hostTotals = new Map<string, number>();
  for (const h of candidates) {
    const key = localityKey(h);
    hostTotals.set(key, (hostTotals.get(key) ?? 0) + h.weight);
  }
  let localityTotal = 0;
  for (const key of hostTotals.keys()) localityTotal += localityWeight.get(key) ?? 0;
  if (localityTotal === 0) return candidates.map((h) => h.weight);
  return candidates.map((h) => {
    const key = localityKey(h);
    return ((localityWeight.get(key) ?? 0) / localityTotal) * (h.weight / hostTotals.get(key)!);
  });
}
