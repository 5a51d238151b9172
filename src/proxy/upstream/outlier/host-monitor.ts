// Per-host outlier state: consecutive error counters, success/failure counts of the current and last
// interval (external and local origin kept apart), and the ejection record (when, how many times).
import type { EjectionType } from './types.js';

/** Success and total request counts of one interval, for success-rate and failure-percentage detection. */
export class SuccessRateBuckets {
  #current = { success: 0, total: 0 };
  /** Counts of the last completed interval. */
  last = { success: 0, total: 0 };

  record(success: boolean): void {
    this.#current.total++;
    if (success) this.#current.success++;
  }

  /** Closes the interval: its counts become `last` and a new interval starts. */
  swap(): void {
    this.last = this.#current;
    this.#current = { success: 0, total: 0 };
  }

  /** The last interval's success rate in percent, when its volume reaches `minVolume`. */
  rate(minVolume: number): number | undefined {
    const { success, total } = this.last;
    if (total === 0 || total < minVolume) return undefined;
    return (100 * success) / total;
  }
}

export class HostMonitor {
  consecutive5xx = 0;
  consecutiveGatewayFailure = 0;
  consecutiveLocalOriginFailure = 0;
  /** External-origin results (HTTP statuses; in non-split mode local-origin failures too). */
  readonly external = new SuccessRateBuckets();
  /** Local-origin results (split mode only). */
  readonly localOrigin = new SuccessRateBuckets();
  ejected = false;
  /** The ejection time multiplier: times ejected, decaying while the host stays in service. */
  numEjections = 0;
  ejectedAtMs = 0;
  /** Why the host was last ejected (reported again when it returns). */
  lastEjectionType: EjectionType | undefined;

  resetConsecutive(): void {
    this.consecutive5xx = 0;
    this.consecutiveGatewayFailure = 0;
    this.consecutiveLocalOriginFailure = 0;
  }
}
