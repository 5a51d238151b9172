// Push debouncing: changes are merged until the config has been quiet for `quietMs` (100 ms) or `maxMs`
// (1 s) passed since the first change of the batch; then one merged push request is released.
import type { Clock, TimerHandle } from '../../common/clock.js';

export interface PushRequest {
  /** Every proxy regenerates everything (config changes); otherwise only proxies seeing `hosts`. */
  full: boolean;
  /** Service hostnames (or host patterns) whose services, endpoints or config changed. */
  hosts: Set<string>;
  /** Namespaces whose proxies must be pushed (a Sidecar changed). */
  namespaces?: Set<string>;
  /** Push every router proxy (a Gateway or gateway-bound config changed). */
  routers?: boolean;
  reasons: string[];
  /**
   * Envoy xDS types the change provably cannot affect (skipped, not regenerated); absent = none. A merged
   * request skips only what every part skips.
   */
  unaffectedTypes?: Set<string>;
  /** Clock time of the first change in the batch (ms), for convergence timings. */
  start: number;
}

export function mergePush(a: PushRequest | undefined, b: PushRequest): PushRequest {
  if (!a) {
    const copy: PushRequest = { ...b, hosts: new Set(b.hosts), reasons: [...b.reasons] };
    if (b.namespaces) copy.namespaces = new Set(b.namespaces);
    if (b.unaffectedTypes) copy.unaffectedTypes = new Set(b.unaffectedTypes);
    return copy;
  }
  for (const h of b.hosts) a.hosts.add(h);
  if (b.namespaces) {
    a.namespaces ??= new Set();
    for (const n of b.namespaces) a.namespaces.add(n);
  }
  a.routers ||= b.routers;
  const skipBoth = [...(a.unaffectedTypes ?? [])].filter((t) => b.unaffectedTypes?.has(t));
  if (skipBoth.length > 0) a.unaffectedTypes = new Set(skipBoth);
  else delete a.unaffectedTypes;
  a.full ||= b.full;
  for (const r of b.reasons) if (!a.reasons.includes(r)) a.reasons.push(r);
  a.start = Math.min(a.start, b.start);
  return a;
}

export const DEFAULT_QUIET_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 1000;

export class Debouncer {
  private pending: PushRequest | undefined;
  private timer: TimerHandle | undefined;
  private firstAt = 0;
  private lastAt = 0;

  constructor(
    private readonly timers: Clock,
    private readonly release: (req: PushRequest) => void,
    private readonly quietMs = DEFAULT_QUIET_MS,
    private readonly maxMs = DEFAULT_MAX_DELAY_MS,
  ) {}

  /** Adds a change; the merged request is released after the quiet period or the maximum delay. */
  push(req: Omit<PushRequest, 'start'> & { start?: number }): void {
    const now = this.timers.now();
    if (!this.pending) this.firstAt = now;
    this.lastAt = now;
    this.pending = mergePush(this.pending, { ...req, start: req.start ?? now });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    const due = Math.min(this.lastAt + this.quietMs, this.firstAt + this.maxMs);
    this.timer = this.timers.setTimeout(() => this.fire(), Math.max(0, due - this.timers.now()));
  }

  private fire(): void {
    this.timer = undefined;
    const req = this.pending;
    this.pending = undefined;
    if (req) this.release(req);
  }

  /** Releases a pending request now (shutdown, tests). */
  flush(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.fire();
  }

  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  close(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
