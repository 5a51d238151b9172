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
  healthyHosts: readonly Host[];
  readonly localities: readonly LocalityHosts[];
  /** Integer percent of traffic routed to this level (all levels sum to 100, or 0 when there are no hosts). */
  load: number;
  /** Too few healthy hosts: balance across all of this level's hosts, ignoring health. */
  panic: boolean;
}

/**
 * Envoy's priority load: each level's health (healthy share × overprovisioning factor, capped at 100) is
 * normalized by the total (capped at 100) and handed out in priority order. When the total is below 100,
 * levels whose healthy share is under the panic threshold go into panic; when every level with hosts is in
 * panic, traffic is split by host count instead.
 */
export function computePriorityLoad(
  levels: readonly PriorityLevel[],
  health: number[],
  threshold: number,
): void {
  const normalized = Math.min(
    100,
    health.reduce((a, b) => a + b, 0),
  );
  let anyHosts = false;
  let allPanic = true;
  for (const level of levels) {
    level.load = 0;
    level.panic = false;
    if (level.hosts.length === 0) continue;
    anyHosts = true;
    if (normalized < 100 && threshold > 0) {
      level.panic = (100 * level.healthyHosts.length) / level.hosts.length < threshold;
    }
    if (!level.panic) allPanic = false;
  }
  if (!anyHosts) return;
  if (allPanic || normalized === 0) {
    // Total panic (or nothing healthy with panic disabled): spread by host count.
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
  if (remaining > 0) {
    const first = levels.findIndex((_, i) => health[i] > 0);
    levels[first].load += remaining;
  }
}
