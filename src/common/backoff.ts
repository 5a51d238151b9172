// Envoy's fully jittered exponential back-off (used between retries): the Nth delay is drawn uniformly from
// [0, (2^N − 1) × base) milliseconds and capped at the maximum (by default 10 × base).
import type { Random } from './random.js';

/** Envoy's default retry back-off base interval, ms. */
export const DEFAULT_BACKOFF_BASE_MS = 25;

export class JitteredExponentialBackoff {
  /** The retry number whose delay `next()` draws next (1-based). */
  #attempt = 1;

  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
    private readonly random: Random,
  ) {
    if (!(baseMs > 0)) throw new RangeError(`back-off base must be positive (got ${baseMs})`);
    if (maxMs < baseMs) throw new RangeError(`back-off max ${maxMs} ms is below its base ${baseMs} ms`);
  }

  /** The exclusive upper bound of the next delay before capping: (2^N − 1) × base, ms. */
  nextCeilingMs(): number {
    return (2 ** this.#attempt - 1) * this.baseMs;
  }

  /** The next delay in whole milliseconds. */
  next(): number {
    const ceiling = this.nextCeilingMs();
    // Stop growing once the ceiling passes the cap: later draws are all capped the same way.
    if (ceiling <= this.maxMs) this.#attempt++;
    return Math.min(this.random.nextInt(Math.ceil(ceiling)), this.maxMs);
  }

  /** Starts over from the first interval (e.g. after a success). */
  reset(): void {
    this.#attempt = 1;
  }
}
