// A stream's own deadlines (Envoy's stream_idle_timeout / route idle_timeout and max_stream_duration): an
// idle timer pushed back by every header and body event, and a fixed lifetime; either fires once with the
// reply Envoy sends (408 SI / 408 DT before the response; the caller resets the stream after it).
import { type Clock, IdleTimer, type TimerHandle } from '../../common/clock.js';
import { type TimeoutKind, timeoutReply } from './timeout-policy.js';

export type StreamTimeoutReply = ReturnType<typeof timeoutReply> & { kind: TimeoutKind };

export class StreamTimers {
  readonly #idle: IdleTimer | undefined;
  #max: TimerHandle | undefined;
  #fired = false;

  /** Starts both timers now; 0 disables either. */
  constructor(
    private readonly clock: Clock,
    idleMs: number,
    maxDurationMs: number,
    private readonly onTimeout: (reply: StreamTimeoutReply) => void,
  ) {
    if (idleMs > 0) {
      this.#idle = new IdleTimer(clock, idleMs, () => this.#fire('stream-idle'));
      this.#idle.touch();
    }
    if (maxDurationMs > 0)
      this.#max = clock.setTimeout(() => this.#fire('max-stream-duration'), maxDurationMs);
  }

  /** Activity on the stream (headers or body either way). */
  touch(): void {
    this.#idle?.touch();
  }

  stop(): void {
    this.#idle?.stop();
    if (this.#max !== undefined) this.clock.clearTimeout(this.#max);
    this.#max = undefined;
  }

  #fire(kind: TimeoutKind): void {
    if (this.#fired) return;
    this.#fired = true;
    this.stop();
    this.onTimeout({ kind, ...timeoutReply(kind) });
  }
}

/** The idle and max-duration limits of a request: the route's when set, else the connection manager's. */
export function streamLimits(
  route: { idleTimeoutMs?: number; maxStreamDurationMs?: number },
  hcm: { streamIdleTimeoutMs: number; maxStreamDurationMs: number },
): { idleMs: number; maxDurationMs: number } {
  return {
    idleMs: route.idleTimeoutMs ?? hcm.streamIdleTimeoutMs,
    maxDurationMs: route.maxStreamDurationMs ?? hcm.maxStreamDurationMs,
  };
}
