// Test fixtures for load balancer tests: a seeded random, cluster and assignment builders, pick counters.
import type {
  Cluster,
  ClusterLoadAssignment,
  HealthStatus,
  LbConfig,
  LbPolicy,
  Locality,
} from '../../config/cluster.js';
import type { Host, LbContext, LoadBalancer } from './types.js';

/** mulberry32: a small deterministic generator returning [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ZONE_A: Locality = { region: 'r1', zone: 'a', subZone: '' };
export const ZONE_B: Locality = { region: 'r1', zone: 'b', subZone: '' };

export interface EndpointSpec {
  port: number;
  weight?: number;
  health?: HealthStatus;
  host?: string;
}

export interface LocalitySpec {
  priority?: number;
  locality?: Locality;
  weight?: number;
  endpoints: EndpointSpec[];
}

export function assignment(localities: LocalitySpec[], overprovisioningFactor = 140): ClusterLoadAssignment {
  return {
    clusterName: 'test',
    overprovisioningFactor,
    localities: localities.map((l) => ({
      locality: l.locality ?? ZONE_A,
      priority: l.priority ?? 0,
      weight: l.weight,
      endpoints: l.endpoints.map((e) => ({
        address: { host: e.host ?? '10.0.0.1', port: e.port },
        healthStatus: e.health ?? 'HEALTHY',
        weight: e.weight ?? 1,
        metadata: {},
      })),
    })),
  };
}

/** Endpoints on ports 1..n (weights optional), all healthy, in one locality at priority 0. */
export function simple(n: number, weights?: number[]): ClusterLoadAssignment {
  return assignment([
    { endpoints: Array.from({ length: n }, (_, i) => ({ port: i + 1, weight: weights?.[i] ?? 1 })) },
  ]);
}

export function cluster(lbPolicy: LbPolicy, lbConfig: Partial<LbConfig> = {}): Cluster {
  return {
    name: 'test',
    type: 'EDS',
    connectTimeoutMs: 1000,
    lbPolicy,
    lbConfig: { healthyPanicThreshold: 50, localityWeighted: false, ...lbConfig },
    circuitBreakers: [],
    upstreamProtocol: 'http1',
    idleTimeoutMs: 3_600_000,
    dnsRefreshRateMs: 5000,
    dnsLookupFamily: 'AUTO',
    metadata: {},
  };
}

/** Picks `n` times and counts picks per host port (undefined picks under key 0). */
export function countPicks(lb: LoadBalancer, n: number, ctx: (i: number) => LbContext = () => ({})) {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const host: Host | undefined = lb.choose(ctx(i));
    const port = host?.address.port ?? 0;
    counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  return counts;
}

/** Share (percent) of `n` picks that went to `port`. */
export function share(counts: Map<number, number>, port: number, n: number): number {
  return (100 * (counts.get(port) ?? 0)) / n;
}
