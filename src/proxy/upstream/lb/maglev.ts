// MAGLEV: a lookup table of a prime size (65537 by default) filled by each host's own permutation of slots
// (offset and skip from two xxHash64 seeds), hosts taking turns in proportion to weight; a request goes to
// table[hash mod size]. Removing one of N hosts moves only about 1/N of the keys.
import type { HostSet } from '../host-set.js';
import { CandidateLoadBalancer } from './base.js';
import { hashWeights } from './hash-weights.js';
import { randomHash } from './ring-hash.js';
import type { Host, LbContext } from './types.js';
import { xxHash64 } from './xxhash64.js';

/** Envoy's default maglev table_size (must be prime). */
export const DEFAULT_MAGLEV_TABLE_SIZE = 65537;

export interface MaglevTable {
  readonly size: number;
  /** Index into `hosts` for each slot. */
  readonly slots: Uint32Array;
  readonly hosts: readonly Host[];
}

export function buildMaglevTable(
  candidates: readonly Host[],
  size: number,
  weights: readonly number[] = candidates.map((h) => h.weight),
): MaglevTable {
  const m = BigInt(size);
  const n = candidates.length;
  // Each host walks its own permutation of the slots: offset, offset + skip, offset + 2·skip, … (mod size).
  // `position` is the host's current place in that walk, advanced by adding skip and wrapping.
  const position = new Float64Array(n);
  const skip = new Float64Array(n);
  /** Turns are earned at `weight` per round; a slot costs `maxWeight`. */
  const credit = new Float64Array(n);
  let maxWeight = 0;
  candidates.forEach((host, j) => {
    position[j] = Number(xxHash64(host.key, 0n) % m);
    skip[j] = Number(xxHash64(host.key, 1n) % (m - 1n)) + 1;
    maxWeight = Math.max(maxWeight, weights[j]);
  });
  const slots = new Uint32Array(size);
  const taken = new Uint8Array(size);
  let filled = 0;
  while (filled < size) {
    for (let j = 0; j < n && filled < size; j++) {
      credit[j] += weights[j];
      if (credit[j] < maxWeight) continue;
      credit[j] -= maxWeight;
      let slot = position[j];
      while (taken[slot]) {
        slot += skip[j];
        if (slot >= size) slot -= size;
      }
      taken[slot] = 1;
      slots[slot] = j;
      filled++;
      slot += skip[j];
      position[j] = slot >= size ? slot - size : slot;
    }
  }
  return { size, slots, hosts: candidates };
}

export class MaglevLoadBalancer extends CandidateLoadBalancer<MaglevTable> {
  readonly #tableSize: number;
  readonly #tableSizeBig: bigint;

  constructor(hostSet: HostSet, random: () => number, tableSize = DEFAULT_MAGLEV_TABLE_SIZE) {
    super(hostSet, random);
    this.#tableSize = Math.max(1, Math.trunc(tableSize));
    this.#tableSizeBig = BigInt(this.#tableSize);
  }

  protected override get usesLocalities(): boolean {
    return false;
  }

  protected buildState(candidates: readonly Host[]): MaglevTable {
    return buildMaglevTable(candidates, this.#tableSize, hashWeights(candidates, this.hostSet));
  }

  protected pick(table: MaglevTable, _candidates: readonly Host[], ctx: LbContext): Host {
    const hash = ctx.hash ?? randomHash(this.random);
    return table.hosts[table.slots[Number(hash % this.#tableSizeBig)]];
  }
}
