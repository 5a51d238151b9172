// Envoy's priority load: how much traffic each priority level receives given its health, the
// overprovisioning factor and the panic threshold; plus the level and locality shapes the HostSet keeps.
import type { Locality } from '../../config/cluster.js';
import type { Host } from './types.js';

/** The hosts of one locality within one priority. */
export interface LocalityHosts {
  readonly locality: Locality;
  /** Configured locality weight; 0 (or absent) takes no traffic under locality-weighted balancing. */
  readonly weight: number;
  readonly hosts: readonly Host[];
  healthyHosts: readonly Host[];
  /** weight × availability percent (0..100), the locality's share under locality-weighted balancing. */
  effectiveWeight: number;
}

/** The hosts of one priority level and the share of traffic it currently receives. */
export interface PriorityLevel {
  readonly priority: number;
  readonly hosts: readonly Host[];
  /** Routable hosts that are not degraded. */
  healthyHosts: readonly Host[];
  /** Routable hosts EDS marks DEGRADED: used only for the load healthy hosts cannot absorb. */
  degradedHosts: readonly Host[];
  readonly localities: readonly LocalityHosts[];
  /** Integer percent of traffic routed to this level's healthy hosts (or, in panic, to all its hosts). */
  load: number;
  /** Integer percent of traffic routed to this level's degraded hosts. All loads sum to 100 (0 if no hosts). */
  degradedLoad: number;
  /** Too few available hosts: balance across all of this level's hosts, ignoring health. */
  panic: boolean;
}

/**
 * Envoy's priority load. Each level's healthy availability (healthy share × overprovisioning factor, capped
 * at 100) and degraded availability (likewise, capped at what healthy leaves) are normalized by their total
 * (capped at 100); healthy load is handed out in priority order first, then degraded load. When the total
 * is below 100, levels whose available share is under the panic threshold go into panic; when every level
 * with hosts is in panic, traffic is split by host count instead.
 */
export function computePriorityLoad(
  levels: readonly PriorityLevel[],
  health: readonly number[],
  degraded: readonly number[],
  threshold: number,
): void {
  let sum = 0;
  for (let i = 0; i < levels.length; i++) sum += health[i] + degraded[i];
  const normalized = Math.min(100, sum);
  let anyHosts = false;
  let allPanic = true;
  for (const level of levels) {
    level.load = 0;
    level.degradedLoad = 0;
    level.panic = false;
    if (level.hosts.length === 0) continue;
    anyHosts = true;
    if (normalized < 100 && threshold > 0) {
      const available = level.healthyHosts.length + level.degradedHosts.length;
      level.panic = (100 * available) / level.hosts.length < threshold;
    }
    if (!level.panic) allPanic = false;
  }
  if (!anyHosts) return;
  if (allPanic || normalized === 0) {
    // Total panic (or nothing available with panic disabled): spread by host count.
    const totalHosts = levels.reduce((a, l) => a + l.hosts.length, 0);
    let remaining = 100;
    for (const level of levels) {
      level.load = Math.min(remaining, Math.floor((100 * level.hosts.length) / totalHosts));
      remaining -= level.load;
    }
    const first = levels.find((l) => l.hosts.length > 0);
    if (first) first.load += remaining;
    return;
  }
  let remaining = 100;
  levels.forEach((level, i) => {
    level.load = Math.min(remaining, Math.floor((health[i] * 100) / normalized));
    remaining -= level.load;
  });
  levels.forEach((level, i) => {
    level.degradedLoad = Math.min(remaining, Math.floor((degraded[i] * 100) / normalized));
    remaining -= level.degradedLoad;
  });
  if (remaining > 0) {
    // Rounding leftovers go to the first level with healthy hosts, else the first with degraded ones.
    const healthy = levels.findIndex((_, i) => health[i] > 0);
    if (healthy >= 0) levels[healthy].load += remaining;
    else levels[levels.findIndex((_, i) => degraded[i] > 0)].degradedLoad += remaining;
  }
}
