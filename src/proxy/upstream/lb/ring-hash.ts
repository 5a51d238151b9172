// RING_HASH (Ketama-style consistent hashing): each host owns points on a 64-bit ring at the xxHash64 of
// `ip:port_i`, in proportion to its weight; a request goes to the first point at or after its hash.
import type { HostSet } from '../host-set.js';
import { CandidateLoadBalancer } from './base.js';
import { hashWeights } from './hash-weights.js';
import type { Host, LbContext } from './types.js';
import { xxHash64Low } from './xxhash64.js';

/** Envoy's defaults for ring_hash_lb_config: entries. */
export const DEFAULT_MIN_RING_SIZE = 1024;
export const DEFAULT_MAX_RING_SIZE = 8 * 1024 * 1024;

export interface Ring {
  /** Point hashes, ascending, as high and low 32-bit words (numbers compare faster than bigints). */
  readonly high: Uint32Array;
  readonly low: Uint32Array;
  /** The host owning each point. */
  readonly hosts: readonly Host[];
}

/**
 * Builds a ring: the scale is the smallest that gives the lightest host at least one whole point while
 * reaching the minimum size, capped at the maximum; each host then gets scale × its share of the weight.
 */
export function buildRing(
  candidates: readonly Host[],
  minSize: number,
  maxSize: number,
  weights: readonly number[] = candidates.map((h) => h.weight),
): Ring {
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  let minShare = 1;
  for (const w of weights) if (w > 0) minShare = Math.min(minShare, w / totalWeight);
  const scale = Math.min(Math.ceil(minShare * minSize) / minShare, maxSize);
  const count = Math.ceil(scale - 1e-9);
  const high = new Uint32Array(count + candidates.length);
  const low = new Uint32Array(count + candidates.length);
  const owner: number[] = [];
  const out = new Uint32Array(1);
  let target = 0;
  let n = 0;
  candidates.forEach((host, h) => {
    target += (scale * weights[h]) / totalWeight;
    for (let i = 0; n < target && n < high.length; i++) {
      low[n] = xxHash64Low(`${host.key}_${i}`, out);
      high[n] = out[0];
      owner.push(h);
      n++;
    }
  });
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => high[a] - high[b] || low[a] - low[b]);
  return {
    high: Uint32Array.from(order, (i) => high[i]),
    low: Uint32Array.from(order, (i) => low[i]),
    hosts: order.map((i) => candidates[owner[i]]),
  };
}

/** The 64-bit hash of point `i`. */
export function ringPoint(ring: Ring, i: number): bigint {
  return (BigInt(ring.high[i]) << 32n) | BigInt(ring.low[i]);
}

/** Index of the first point whose hash is ≥ `hash`, wrapping to 0 past the end. */
export function ringIndex(ring: Ring, hash: bigint): number {
  const hh = Number((hash >> 32n) & 0xffffffffn);
  const hl = Number(hash & 0xffffffffn);
  const { high, low } = ring;
  let lo = 0;
  let hi = high.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (high[mid] < hh || (high[mid] === hh && low[mid] < hl)) lo = mid + 1;
    else hi = mid;
  }
  return lo === high.length ? 0 : lo;
}

/** A uniformly random 64-bit hash for requests without one. */
export function randomHash(random: () => number): bigint {
  return (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
}

export class RingHashLoadBalancer extends CandidateLoadBalancer<Ring> {
  readonly #minSize: number;
  readonly #maxSize: number;

  constructor(
    hostSet: HostSet,
    random: () => number,
    minSize = DEFAULT_MIN_RING_SIZE,
    maxSize = DEFAULT_MAX_RING_SIZE,
  ) {
    super(hostSet, random);
    this.#maxSize = Math.max(1, maxSize);
    this.#minSize = Math.min(Math.max(1, minSize), this.#maxSize);
  }

  protected override get usesLocalities(): boolean {
    return false;
  }

  protected buildState(candidates: readonly Host[]): Ring {
    return buildRing(candidates, this.#minSize, this.#maxSize, hashWeights(candidates, this.hostSet));
  }

  protected pick(ring: Ring, _candidates: readonly Host[], ctx: LbContext): Host {
    return ring.hosts[ringIndex(ring, ctx.hash ?? randomHash(this.random))];
  }

  /** Walks the ring onward from the request's point to the next host not avoided, keeping retries sticky. */
  protected override pickAvoiding(ring: Ring, _c: readonly Host[], ctx: LbContext, avoid: ReadonlySet<Host>) {
    const start = ringIndex(ring, ctx.hash ?? randomHash(this.random));
    for (let i = 1; i < ring.hosts.length; i++) {
      const host = ring.hosts[(start + i) % ring.hosts.length];
      if (!avoid.has(host)) return host;
    }
    return undefined;
  }
}
