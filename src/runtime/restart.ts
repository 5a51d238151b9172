// Restarts a crashed process with exponential back-off (1 s doubling to 30 s; reset after 30 s of good health).

export class RestartPolicy {
  private failures = 0;
  private startedAt = 0;

  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 30_000,
    private readonly healthyAfterMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  started(): void {
    this.startedAt = this.now();
  }

  /** The delay before the next start, after an exit. */
  nextDelayMs(): number {
    if (this.now() - this.startedAt >= this.healthyAfterMs) this.failures = 0;
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** this.failures);
    this.failures++;
    return delay;
  }
}
