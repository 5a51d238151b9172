// The load balancer's contract: the Host it picks, the per-request context it reads, and the LoadBalancer
// interface every policy (round robin, least request, random, ring hash, maglev) implements.
import type { Locality, SocketAddress } from '../../config/cluster.js';

/**
 * One upstream endpoint. The HostSet keeps the same object for as long as an endpoint with the same key
 * stays in the assignment, so health, active requests and connection pools survive EDS updates.
 */
export interface Host {
  /** `ip:port`, IPv6 in brackets (`[::1]:80`); unique within a cluster. */
  readonly key: string;
  readonly address: SocketAddress;
  /** Envoy's load_balancing_weight, at least 1. */
  readonly weight: number;
  /** 0 is the highest priority. */
  readonly priority: number;
  readonly locality: Locality;
  readonly metadata: Record<string, Record<string, unknown>>;
  /**
   * Whether the load balancer may pick this host. Setting it (health checks, outlier ejection) takes effect
   * on the next pick: the owning HostSet notices the change and recomputes priority loads lazily.
   */
  healthy: boolean;
  /** Requests in flight to this host; the runtime increments and decrements it, LEAST_REQUEST reads it. */
  activeRequests: number;
}

export interface LbContext {
  /** Hash for RING_HASH/MAGLEV, computed by the router from the route's hash policies (see hash.ts). */
  hash?: bigint;
  /** Hosts to avoid (retries' previous_hosts); still returned when nothing else is available. */
  avoid?: ReadonlySet<Host>;
  /** ORIGINAL_DST clusters: where the request was going (`host:port`), the host they connect to. */
  originalDestination?: string;
}

export interface LoadBalancer {
  /** A host for one request, or undefined when the cluster has no host to offer. */
  choose(ctx: LbContext): Host | undefined;
}
