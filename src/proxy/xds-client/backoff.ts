// Jittered exponential back-off for xDS reconnects (Envoy's gRPC mux: base 500 ms, max 30 s), with an
// injected random source so tests are deterministic.

export interface BackoffOptions {
  /** First delay before jitter (ms). */
  baseMs: number;
  /** Cap on the un-jittered delay (ms). */
  maxMs: number;
  /** Uniform [0, 1); Math.random by default. */
  random?: () => number;
}

export const DEFAULT_XDS_BACKOFF = { baseMs: 500, maxMs: 30_000 } as const;

export class ExponentialBackoff {
  private attempt = 0;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
  }

  /** The next delay (ms): uniformly in [ceiling/2, ceiling], the ceiling doubling per attempt up to maxMs. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.baseMs * 2 ** this.attempt);
    if (ceiling < this.options.maxMs) this.attempt++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}
