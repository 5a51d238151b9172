// Envoy's local rate limit token bucket: starts full with max_tokens, gains tokens_per_fill every
// fill_interval (discrete fills, as Envoy's fill timer does), capped at max_tokens. Fills are computed
// from the injected clock when asked, so no timer runs and virtual time drives it exactly.
import type { Clock } from '../../../../common/clock.js';

export interface TokenBucketSettings {
  maxTokens: number;
  tokensPerFill: number;
  /** ms, at least 50 (Envoy's minimum). */
  fillIntervalMs: number;
}

export class TokenBucket {
  #tokens: number;
  readonly #startMs: number;
  #fillsApplied = 0;

  constructor(
    readonly settings: TokenBucketSettings,
    private readonly clock: Clock,
  ) {
    this.#tokens = settings.maxTokens;
    this.#startMs = clock.now();
  }

  #refill(): void {
    const fills = Math.floor((this.clock.now() - this.#startMs) / this.settings.fillIntervalMs);
    if (fills > this.#fillsApplied) {
      const added = (fills - this.#fillsApplied) * this.settings.tokensPerFill;
      this.#tokens = Math.min(this.settings.maxTokens, this.#tokens + added);
      this.#fillsApplied = fills;
    }
  }

  /** Takes one token if there is one. */
  consume(): boolean {
    this.#refill();
    if (this.#tokens <= 0) return false;
    this.#tokens--;
    return true;
  }

  /** Tokens left now. */
  get remaining(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Milliseconds until the next fill. */
  msUntilNextFill(): number {
    const interval = this.settings.fillIntervalMs;
    const elapsed = this.clock.now() - this.#startMs;
    return interval - (elapsed % interval);
  }
}
