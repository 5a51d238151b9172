// Rotates the self-signed root before it expires: checks on the injected clock and starts a staged
// rotation once less than `gracePercent` of the root's lifetime is left (Istio's default grace: 20 %).
import { type Clock, systemClock, type TimerHandle } from '../../common/clock.js';
import type { CertificateAuthority } from './authority.js';

export interface RootExpiryWatchOptions {
  clock?: Clock;
  /** How often to look (ms); default 1 h. */
  checkIntervalMs?: number;
  /** Rotate when less than this share of the root's lifetime is left (percent); default 20. */
  gracePercent?: number;
  /** Passed to rotateRoot: how long the next root is distributed before it signs (ms). */
  activationDelayMs?: number;
  onRotate?: () => void;
  onError?: (err: unknown) => void;
}

/** True when `nowMs` is inside the last `gracePercent` of the root's validity. */
export function rootNeedsRotation(ca: CertificateAuthority, nowMs: number, gracePercent = 20): boolean {
  const from = ca.root.notBefore.getTime();
  const to = ca.root.notAfter.getTime();
  return to - nowMs < ((to - from) * gracePercent) / 100;
}

/** Starts the watch; returns a function that stops it. Supplied (non self-signed) CAs are never rotated. */
export function watchRootExpiry(ca: CertificateAuthority, options: RootExpiryWatchOptions = {}): () => void {
  const clock = options.clock ?? systemClock;
  const interval = options.checkIntervalMs ?? 3600 * 1000;
  let timer: TimerHandle | undefined;
  let stopped = false;
  const check = async () => {
    if (!ca.selfSigned || ca.rotationPending) return;
    if (!rootNeedsRotation(ca, clock.now(), options.gracePercent)) return;
    await ca.rotateRoot({ activationDelayMs: options.activationDelayMs });
    options.onRotate?.();
  };
  const tick = () => {
    timer = undefined;
    check()
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => {
        if (!stopped) timer = clock.setTimeout(tick, interval);
      });
  };
  timer = clock.setTimeout(tick, 0);
  return () => {
    stopped = true;
    if (timer !== undefined) clock.clearTimeout(timer);
  };
}
