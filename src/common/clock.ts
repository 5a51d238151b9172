// An injectable clock (wall time in milliseconds plus one-shot timers) for everything time-dependent in the
// proxy, the real one backed by Node's timers and a VirtualClock that tests advance by hand, deterministically.

/** An opaque handle of a scheduled callback. */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds since the epoch (virtual clocks may start anywhere). */
  now(): number;
  /** Runs `fn` once after `delayMs` milliseconds (0 or less: as soon as possible, never synchronously). */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; unknown or already fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock. Its timers are unref'd: a pending timer alone never keeps the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in order of due time, then of creation; timers set by
 * a firing callback run in the same `advance` when they fall due before its end.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: VirtualTimer[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer: VirtualTimer = {
      at: this.#now + Math.max(0, delayMs),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const t = handle as VirtualTimer;
    if (typeof t !== 'object' || t === null || !('cancelled' in t)) return;
    t.cancelled = true;
    const i = this.#timers.indexOf(t);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Due time of the next timer, if any. */
  nextTimerAt(): number | undefined {
    const t = this.#earliest();
    return t?.at;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, each at its own time. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /** Moves time to `targetMs` (never backwards), firing due timers in order. */
  advanceTo(targetMs: number): void {
    for (;;) {
      const t = this.#earliest();
      if (t === undefined || t.at > targetMs) break;
      this.#timers.splice(this.#timers.indexOf(t), 1);
      if (t.at > this.#now) this.#now = t.at;
      t.fn();
    }
    if (targetMs > this.#now) this.#now = targetMs;
  }

  /** Fires timers until none is left or `limit` have fired (guards against timers that re-arm forever). */
  runAll(limit = 10_000): void {
    for (let n = 0; n < limit; n++) {
      const t = this.#earliest();
      if (t === undefined) return;
      this.advanceTo(t.at);
    }
  }

  #earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const t of this.#timers) {
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/**
 * A timer that fires after `timeoutMs` without activity (Envoy's idle timeouts): `touch()` on every byte or
 * event pushes the deadline back. Re-arming is lazy — the timer fires at the old deadline and re-schedules
 * itself for the remainder — so a busy stream costs one clock read per touch, not a timer per touch.
 */
export class IdleTimer {
  #deadline = 0;
  #handle: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {}

  /** Starts (or restarts) the idle period now. A timeout of 0 disables the timer. */
  touch(): void {
    if (this.timeoutMs <= 0) return;
    this.#deadline = this.clock.now() + this.timeoutMs;
    if (this.#handle === undefined) this.#handle = this.clock.setTimeout(this.#fire, this.timeoutMs);
  }

  stop(): void {
    if (this.#handle !== undefined) this.clock.clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  get active(): boolean {
    return this.#handle !== undefined;
  }

  readonly #fire = (): void => {
    this.#handle = undefined;
    const left = this.#deadline - this.clock.now();
    if (left > 0) {
      this.#handle = this.clock.setTimeout(this.#fire, left);
      return;
    }
    this.onIdle();
  };
}
