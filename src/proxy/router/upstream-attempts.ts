// The upstream attempts of one request: arms the per-try timeout, reports each attempt's result to the
// cluster's outlier detector, asks the retry state whether to try again, and schedules the next attempt
// after the back-off on the injected clock. The runtime supplies the hooks that really start and drop
// upstream requests; this module only decides and times.
import type { Clock, TimerHandle } from '../../common/clock.js';
import type { Counter } from '../stats/store.js';
import type { Host } from '../upstream/lb/types.js';
import type { OutlierDetector } from '../upstream/outlier/detector.js';
import { DEFAULT_RETRY_BUFFER_LIMIT_BYTES, RetryBodyBuffer } from './retry-body-buffer.js';
import type { AttemptOutcome, RetryDecision, RetryState } from './retry-state.js';

export interface AttemptHooks {
  /** Start attempt `attemptCount` now (pick a host with retry.lbContext(), send head and buffered body). */
  startAttempt(attemptCount: number): void;
  /** Drop the current attempt's upstream side; whatever it still delivers must be ignored. */
  abortAttempt(): void;
  /** The per-try timeout fired and will not be retried: reply 504 UT (with the decision's flag, if any). */
  perTryTimedOut(decision: RetryDecision): void;
}

export interface UpstreamAttemptsOptions {
  clock: Clock;
  perTryTimeoutMs: number;
  outlier?: OutlierDetector;
  /** cluster.<name>.upstream_rq_per_try_timeout */
  perTryTimeoutCounter?: Counter;
  /** Request bytes kept for replays (Envoy's per-request buffer limit, default 1 MiB). */
  bodyLimitBytes?: number;
  /** Called once when the body outgrows the limit (retry_or_shadow_abandoned). */
  onBodyAbandoned?: () => void;
}

export class UpstreamAttempts {
  /** The request body kept for replays; undefined when retries are off (nothing is copied). */
  readonly body: RetryBodyBuffer | undefined;
  #host: Host | undefined;
  #perTry: TimerHandle | undefined;
  #backoff: TimerHandle | undefined;
  #done = false;

  constructor(
    readonly retry: RetryState,
    private readonly hooks: AttemptHooks,
    private readonly opts: UpstreamAttemptsOptions,
  ) {
    this.body = retry.enabled
      ? new RetryBodyBuffer(opts.bodyLimitBytes ?? DEFAULT_RETRY_BUFFER_LIMIT_BYTES, opts.onBodyAbandoned)
      : undefined;
  }

  /** The attempt now in progress went to `host`: remember it (previous_hosts) and arm the per-try timer. */
  attemptStarted(host: Host): void {
    this.#host = host;
    this.retry.onHostAttempted(host);
    this.#clearPerTry();
    if (this.opts.perTryTimeoutMs > 0)
      this.#perTry = this.opts.clock.setTimeout(this.#onPerTry, this.opts.perTryTimeoutMs);
  }

  /**
   * A response head arrived. On `retry: true` the attempt has been dropped and the next one scheduled:
   * the caller forwards nothing of this response. Otherwise it forwards it (adding the decision's flag).
   */
  onResponseHead(status: number, headers: readonly string[]): RetryDecision {
    this.#clearPerTry();
    const host = this.#host;
    if (host !== undefined) {
      this.opts.outlier?.reportLocalOrigin(host, 'success');
      this.opts.outlier?.reportResult(host, status);
    }
    return this.#decide({ kind: 'response', status, headers });
  }

  /** The attempt failed before a response head. On `retry: true` the next attempt is scheduled. */
  onAttemptFailed(outcome: AttemptOutcome): RetryDecision {
    this.#clearPerTry();
    const host = this.#host;
    if (host !== undefined && this.opts.outlier !== undefined) {
      if (outcome.kind === 'connect-failure') this.opts.outlier.reportLocalOrigin(host, 'connect-failure');
      else if (outcome.kind === 'reset' || outcome.kind === 'refused-stream')
        this.opts.outlier.reportLocalOrigin(host, 'reset');
    }
    return this.#decide(outcome);
  }

  /** The request is over (answered, timed out as a whole, or the client left): stop every timer. */
  finish(): void {
    this.#done = true;
    this.#clearPerTry();
    if (this.#backoff !== undefined) this.opts.clock.clearTimeout(this.#backoff);
    this.#backoff = undefined;
    this.retry.destroy();
  }

  /** Whether a retry is waiting out its back-off. */
  get waiting(): boolean {
    return this.#backoff !== undefined;
  }

  #decide(outcome: AttemptOutcome): RetryDecision {
    const d = this.retry.decide(outcome, this.body?.buffered ?? false);
    if (d.retry) this.#schedule(d.delayMs, d.attemptCount);
    return d;
  }

  #schedule(delayMs: number, attemptCount: number): void {
    this.hooks.abortAttempt();
    this.#host = undefined;
    this.#backoff = this.opts.clock.setTimeout(() => {
      this.#backoff = undefined;
      if (!this.#done) this.hooks.startAttempt(attemptCount);
    }, delayMs);
  }

  #clearPerTry(): void {
    if (this.#perTry !== undefined) this.opts.clock.clearTimeout(this.#perTry);
    this.#perTry = undefined;
  }

  readonly #onPerTry = (): void => {
    this.#perTry = undefined;
    if (this.#done) return;
    this.opts.perTryTimeoutCounter?.inc();
    const host = this.#host;
    if (host !== undefined) this.opts.outlier?.reportLocalOrigin(host, 'timeout');
    const d = this.retry.decide({ kind: 'per-try-timeout' }, this.body?.buffered ?? false);
    if (d.retry) this.#schedule(d.delayMs, d.attemptCount);
    else {
      this.hooks.abortAttempt();
      this.hooks.perTryTimedOut(d);
    }
  };
}
