// The time limits of one exchange on a single reused timer: the route timeout (504 UT), Envoy's stream idle
// timeout and max stream duration (408 before the response, a reset after it). Between the upstream half
// (ExchangeUpstream) and the exchange (HttpExchange), which starts and clears them.
import { timeoutReply } from '../router/timeout-policy.js';
import { ExchangeUpstream } from './exchange-upstream.js';
import type { HcmRuntime } from './hcm.js';
import { BODY_UPSTREAM_TIMEOUT, Flag } from './local-reply.js';

export abstract class ExchangeDeadlines extends ExchangeUpstream {
  private timer: NodeJS.Timeout | null = null;
  /** Route deadline of the running exchange (epoch ms), 0 when none. */
  private deadlineMs = 0;
  private timerDueMs = 0;
  /** Stream idle timeout (ms, 0 = none) and the last header/body event (epoch ms). */
  protected idleMs = 0;
  protected lastActivityMs = 0;
  /** End of the max stream duration (epoch ms), 0 when none. */
  private maxDeadlineMs = 0;

  abstract hcm: HcmRuntime;
  protected abstract resetDownstream(): void;
  /** Bookkeeping at the end of every exchange. */
  protected abstract finish(): void;

  /** Starts the exchange's limits from its start: the route timeout (ms, 0 = none) and the stream limits. */
  protected startDeadlines(timeoutMs: number, limits: { idleMs: number; maxDurationMs: number }): void {
    this.deadlineMs = timeoutMs > 0 ? this.startMs + timeoutMs : 0;
    this.idleMs = limits.idleMs;
    this.lastActivityMs = this.startMs;
    this.maxDeadlineMs = limits.maxDurationMs > 0 ? this.startMs + limits.maxDurationMs : 0;
    this.armTimer();
  }

  /** The exchange ended: no limit applies any more; `dispose` also drops the timer (the stream is gone). */
  protected clearDeadlines(dispose: boolean): void {
    this.deadlineMs = 0;
    this.idleMs = 0;
    this.maxDeadlineMs = 0;
    if (dispose) this.disposeTimer();
  }

  /**
   * Arms the timer for the earliest of the route deadline, the stream idle deadline and the max stream
   * duration (epoch ms). The timer object outlives exchanges: a pending timer due no later than needed is
   * kept and re-armed when it fires early, so steady traffic on a connection creates a timer about once
   * per timeout period rather than once per request, and activity only writes a timestamp.
   */
  private armTimer(): void {
    const due = this.nextDeadline();
    if (due === 0) return;
    if (this.timer !== null && this.timerDueMs <= due) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerDueMs = due;
    this.timer = setTimeout(this.onTimer, Math.max(1, due - this.hcm.services.now()));
  }

  private nextDeadline(): number {
    let due = this.deadlineMs;
    if (this.idleMs > 0) {
      const idle = this.lastActivityMs + this.idleMs;
      if (due === 0 || idle < due) due = idle;
    }
    if (this.maxDeadlineMs > 0 && (due === 0 || this.maxDeadlineMs < due)) due = this.maxDeadlineMs;
    return due;
  }

  protected touchActivity(): void {
    if (this.idleMs > 0) this.lastActivityMs = this.hcm.services.now();
  }

  /** Drops the deadline timer (the connection or stream is gone). */
  disposeTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.exchangeDone) return;
    const now = this.hcm.services.now();
    if (this.deadlineMs > 0 && now >= this.deadlineMs) this.onTimeout();
    else if (this.maxDeadlineMs > 0 && now >= this.maxDeadlineMs) this.onStreamTimeout('max-stream-duration');
    else if (this.idleMs > 0 && now >= this.lastActivityMs + this.idleMs) this.onStreamTimeout('stream-idle');
    else this.armTimer();
  };

  /** Envoy's stream idle timeout and max stream duration: 408 before the response, a reset after it. */
  private onStreamTimeout(kind: 'stream-idle' | 'max-stream-duration'): void {
    const r = timeoutReply(kind);
    const c = this.hcm.stats.set.counter;
    if (kind === 'stream-idle') c.downstream_rq_idle_timeout.inc();
    else c.downstream_rq_max_duration_reached.inc();
    this.abortUpstream();
    if (this.responseStarted) {
      this.addFlag(r.flag);
      this.resetDownstream();
      this.finish();
      return;
    }
    this.localReply(r.status, r.body, r.flag, r.details);
  }

  private onTimeout(): void {
    if (this.exchangeDone) return;
    if (this.host !== undefined) this.cluster?.resilience.outlier?.reportLocalOrigin(this.host, 'timeout');
    this.cluster?.stats.upstreamRqTimeout.inc();
    this.abortUpstream();
    if (this.responseStarted) {
      this.addFlag(Flag.UpstreamRequestTimeout);
      this.resetDownstream();
      this.finish();
      return;
    }
    this.localReply(504, BODY_UPSTREAM_TIMEOUT, Flag.UpstreamRequestTimeout, 'upstream_response_timeout');
  }
}
