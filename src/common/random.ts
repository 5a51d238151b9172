// Seeded pseudo-random numbers (xoshiro128** seeded through splitmix32): fast, reproducible draws for load
// balancing, fault percentages, retry jitter and outlier enforcement, so tests can replay exact sequences.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n) for n ≥ 1 (n up to 2^32). */
  nextInt(n: number): number;
  /** An unsigned 32-bit integer. */
  nextU32(): number;
}

/** splitmix32: spreads a small seed over the 128 bits of xoshiro state so nearby seeds are unrelated. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128**: 128-bit state, period 2^128 − 1, good statistical quality for non-cryptographic use. */
export class SeededRandom implements Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    const mix = splitmix32(seed);
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1; // the all-zero state is a fixed point
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The runtime's source: Math.random, for production where reproducibility is not wanted. */
export const mathRandom: Random = {
  next: () => Math.random(),
  nextInt: (n) => Math.floor(Math.random() * n),
  nextU32: () => Math.floor(Math.random() * 4294967296),
};

/** Adapts a `() => number` in [0, 1) (the shape ProxyServices.random has) to Random. */
export function randomFromFunction(fn: () => number): Random {
  return {
    next: fn,
    nextInt: (n) => Math.floor(fn() * n),
    nextU32: () => Math.floor(fn() * 4294967296),
  };
}
