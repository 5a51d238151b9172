// The retry decision of one request (Envoy's route retry_policy): which attempt outcomes retry_on allows,
// the retry limit, the circuit breaker's max_retries / retry budget, jittered back-off, previous_hosts, and
// x-envoy-attempt-count. Pure: the runtime reports each attempt's outcome and schedules what this returns.
import { JitteredExponentialBackoff } from '../../common/backoff.js';
import type { Random } from '../../common/random.js';
import type { RetryPolicy } from '../config/route.js';
import type { Counter, StatsStore } from '../stats/store.js';
import type { ResourceManager } from '../upstream/circuit-breaker.js';
import type { Host, LbContext } from '../upstream/lb/types.js';
import { compileHeaderMatch, type HeaderPredicate, type RouteRequest } from './request-match.js';

/** How one upstream attempt ended, as far as retrying is concerned. */
export type AttemptOutcome =
  /** A response head arrived (headers flat lower-case [name, value, …], grpc-status included if present). */
  | { kind: 'response'; status: number; headers: readonly string[] }
  /** No connection could be made: the request never left the proxy. */
  | { kind: 'connect-failure' }
  /** HTTP/2 REFUSED_STREAM: the upstream did not process the request. */
  | { kind: 'refused-stream' }
  /**
   * The connection or stream broke before a response head. `requestSent`: any byte of the request was
   * written upstream, so the application may have seen it.
   */
  | { kind: 'reset'; requestSent: boolean }
  /** The per-try timeout fired before a response head (the request was sent). */
  | { kind: 'per-try-timeout' }
  /** The pool refused the request (circuit breaker): never retried, as in Envoy. */
  | { kind: 'overflow' };

export type NoRetryReason =
  | 'no-policy'
  | 'not-retriable'
  | 'body-not-buffered'
  | 'limit-exceeded'
  | 'overflow'
  | 'upstream-overloaded';

export type RetryDecision =
  | { retry: true; delayMs: number; attemptCount: number }
  /** `flag` is the response flag to add: URX when retries ran out, UO when the retry breaker refused. */
  | { retry: false; reason: NoRetryReason; flag?: 'URX' | 'UO' };

// retry_on bits.
const R_5XX = 1;
const R_GATEWAY = 2;
const R_RESET = 4;
const R_CONNECT = 8;
const R_4XX = 16;
const R_REFUSED = 32;
const R_STATUS = 64;
const R_HEADERS = 128;
const R_RESET_BEFORE_REQUEST = 256;
const R_RATELIMITED = 512;
const R_GRPC_CANCELLED = 1024;
const R_GRPC_DEADLINE = 2048;
const R_GRPC_INTERNAL = 4096;
const R_GRPC_EXHAUSTED = 8192;
const R_GRPC_UNAVAILABLE = 16384;

const RETRY_ON_BITS: Record<string, number> = {
  '5xx': R_5XX,
  'gateway-error': R_GATEWAY,
  reset: R_RESET,
  'reset-before-request': R_RESET_BEFORE_REQUEST,
  'connect-failure': R_CONNECT,
  'retriable-4xx': R_4XX,
  'refused-stream': R_REFUSED,
  'retriable-status-codes': R_STATUS,
  'retriable-headers': R_HEADERS,
  'envoy-ratelimited': R_RATELIMITED,
  cancelled: R_GRPC_CANCELLED,
  'deadline-exceeded': R_GRPC_DEADLINE,
  internal: R_GRPC_INTERNAL,
  'resource-exhausted': R_GRPC_EXHAUSTED,
  unavailable: R_GRPC_UNAVAILABLE,
};

/** gRPC status codes retried by the gRPC retry_on names. */
const GRPC_BITS: Record<number, number> = {
  1: R_GRPC_CANCELLED,
  4: R_GRPC_DEADLINE,
  8: R_GRPC_EXHAUSTED,
  13: R_GRPC_INTERNAL,
  14: R_GRPC_UNAVAILABLE,
};

/** Outcomes where the application may have seen the request are retried only by these. */
const MAY_HAVE_REACHED_APP = R_5XX | R_GATEWAY | R_RESET;

/** retry_on names this module knows (others are ignored, as Envoy ignores them). */
export function isKnownRetryOn(name: string): boolean {
  return name in RETRY_ON_BITS;
}

function retryOnBits(names: Iterable<string>): number {
  let bits = 0;
  for (const n of names) bits |= RETRY_ON_BITS[n.trim()] ?? 0;
  return bits;
}

function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

function asRouteRequest(headers: readonly string[]): RouteRequest {
  return { authority: '', path: '', method: '', scheme: '', headers };
}

/** A route's retry policy compiled once, when the route config arrives. */
export class CompiledRetryPolicy {
  readonly bits: number;
  readonly statusCodes: ReadonlySet<number>;
  readonly retriableHeaders: HeaderPredicate[];
  readonly retriableRequestHeaders: HeaderPredicate[];

  constructor(readonly policy: RetryPolicy) {
    this.bits = retryOnBits(policy.retryOn);
    this.statusCodes = new Set(policy.retriableStatusCodes);
    this.retriableHeaders = policy.retriableHeaders.map(compileHeaderMatch);
    this.retriableRequestHeaders = policy.retriableRequestHeaders.map(compileHeaderMatch);
  }
}

/** Envoy's per-cluster retry counters. */
export class RetryStats {
  readonly retry: Counter;
  readonly success: Counter;
  readonly overflow: Counter;
  readonly limitExceeded: Counter;
  readonly backoffExponential: Counter;
  readonly abandoned: Counter;

  /** `statPrefix`: the cluster's, e.g. `cluster.<name>`. */
  constructor(store: StatsStore, statPrefix: string) {
    const c = (n: string) => store.counter(`${statPrefix}.${n}`);
    this.retry = c('upstream_rq_retry');
    this.success = c('upstream_rq_retry_success');
    this.overflow = c('upstream_rq_retry_overflow');
    this.limitExceeded = c('upstream_rq_retry_limit_exceeded');
    this.backoffExponential = c('upstream_rq_retry_backoff_exponential');
    this.abandoned = c('retry_or_shadow_abandoned');
  }
}

export interface RetryStateOptions {
  random: Random;
  /** The cluster's resources at the request's priority: max_retries / retry budget. */
  resources?: ResourceManager;
  stats?: RetryStats;
  /** The downstream request (the exchange itself fits), for retriable_request_headers. */
  request?: RouteRequest;
  /**
   * Honour Envoy's request headers x-envoy-retry-on, x-envoy-retry-grpc-on, x-envoy-max-retries and
   * x-envoy-retriable-status-codes: only for requests whose x-envoy-* headers are trusted (internal).
   */
  trustRetryHeaders?: boolean;
}

/** Envoy's default when only request headers ask for retries: one retry, 25 ms base back-off. */
const HEADER_ONLY_POLICY: RetryPolicy = {
  retryOn: [],
  numRetries: 1,
  perTryTimeoutMs: 0,
  perTryIdleTimeoutMs: 0,
  retriableStatusCodes: [],
  retriableHeaders: [],
  retriableRequestHeaders: [],
  backoffBaseMs: 25,
  backoffMaxMs: 250,
  avoidPreviousHosts: false,
  hostSelectionRetryMaxAttempts: 1,
};

/** The retry state of one downstream request, across all its upstream attempts. */
export class RetryState {
  /** The number of the attempt in progress, 1-based: the value of x-envoy-attempt-count. */
  attemptCount = 1;
  readonly enabled: boolean;
  readonly perTryTimeoutMs: number;
  readonly perTryIdleTimeoutMs: number;
  readonly hostSelectionMaxAttempts: number;
  #bits = 0;
  #retriesLeft = 0;
  #statusCodes: ReadonlySet<number> = new Set();
  readonly #compiled: CompiledRetryPolicy | undefined;
  readonly #backoff: JitteredExponentialBackoff | undefined;
  readonly #previousHosts = new Set<Host>();
  readonly #avoidPrevious: boolean;
  #holdsRetrySlot = false;
  readonly #opts: RetryStateOptions;

  constructor(policy: CompiledRetryPolicy | RetryPolicy | undefined, opts: RetryStateOptions) {
    this.#opts = opts;
    const req = opts.request;
    const rh = opts.trustRetryHeaders === true ? req?.headers : undefined;
    const headerRetryOn = rh === undefined ? [] : retryOnFromHeaders(rh);
    let compiled =
      policy === undefined
        ? undefined
        : policy instanceof CompiledRetryPolicy
          ? policy
          : new CompiledRetryPolicy(policy);
    if (compiled === undefined && headerRetryOn.length > 0)
      compiled = new CompiledRetryPolicy(HEADER_ONLY_POLICY);
    this.#compiled = compiled;
    const p = compiled?.policy;
    this.perTryTimeoutMs = p?.perTryTimeoutMs ?? 0;
    this.perTryIdleTimeoutMs = p?.perTryIdleTimeoutMs ?? 0;
    this.hostSelectionMaxAttempts = Math.max(1, p?.hostSelectionRetryMaxAttempts ?? 1);
    this.#avoidPrevious = p?.avoidPreviousHosts ?? false;
    if (compiled === undefined || p === undefined) {
      this.enabled = false;
      return;
    }
    this.#bits = compiled.bits | retryOnBits(headerRetryOn);
    this.#retriesLeft = p.numRetries;
    this.#statusCodes = compiled.statusCodes;
    if (rh !== undefined) {
      const max = headerValue(rh, 'x-envoy-max-retries');
      if (max !== undefined && /^\d+$/.test(max)) this.#retriesLeft = Number(max);
      const codes = headerValue(rh, 'x-envoy-retriable-status-codes');
      if (codes !== undefined) {
        const extra = codes
          .split(',')
          .map((s) => Number(s.trim()))
          .filter((n) => Number.isInteger(n) && n >= 100 && n < 600);
        this.#statusCodes = new Set([...compiled.statusCodes, ...extra]);
      }
    }
    // retriable_request_headers: retries are allowed only for requests matching one of them.
    const gate = compiled.retriableRequestHeaders;
    const gated = gate.length > 0 && !(req !== undefined && gate.some((m) => m(req)));
    this.enabled = this.#bits !== 0 && !gated;
    this.#backoff = new JitteredExponentialBackoff(
      p.backoffBaseMs,
      Math.max(p.backoffBaseMs, p.backoffMaxMs),
      opts.random,
    );
  }

  /** Retries still allowed by num_retries (or x-envoy-max-retries). */
  get retriesLeft(): number {
    return this.#retriesLeft;
  }

  /** Records the host an attempt went to (for previous_hosts). */
  onHostAttempted(host: Host): void {
    this.#previousHosts.add(host);
  }

  /** The load-balancer context for the next attempt: previous hosts to avoid when the policy says so. */
  lbContext(base: LbContext = {}): LbContext {
    if (!this.#avoidPrevious || this.#previousHosts.size === 0) return base;
    return { ...base, avoid: this.#previousHosts };
  }

  /** Whether a picked host should be re-picked (previous_hosts), up to hostSelectionMaxAttempts picks. */
  shouldSelectAnotherHost(host: Host): boolean {
    return this.#avoidPrevious && this.#previousHosts.has(host);
  }

  /**
   * Whether this outcome, by retry_on alone, calls for a retry. A request the application may have seen is
   * retried only when retry_on says so (5xx, gateway-error, reset, or a response-based condition).
   */
  wouldRetry(outcome: AttemptOutcome): boolean {
    const bits = this.#bits;
    switch (outcome.kind) {
      case 'overflow':
        return false;
      case 'connect-failure':
        return (bits & (R_CONNECT | R_RESET_BEFORE_REQUEST | MAY_HAVE_REACHED_APP)) !== 0;
      case 'refused-stream':
        return (bits & (R_REFUSED | R_RESET_BEFORE_REQUEST | MAY_HAVE_REACHED_APP)) !== 0;
      case 'reset':
        if (!outcome.requestSent && (bits & R_RESET_BEFORE_REQUEST) !== 0) return true;
        return (bits & MAY_HAVE_REACHED_APP) !== 0;
      case 'per-try-timeout':
        return (bits & MAY_HAVE_REACHED_APP) !== 0;
      case 'response':
        return this.#wouldRetryResponse(outcome.status, outcome.headers);
    }
  }

  #wouldRetryResponse(status: number, headers: readonly string[]): boolean {
    const bits = this.#bits;
    // An upstream Envoy that rate limited the request: only envoy-ratelimited retries it.
    if (headerValue(headers, 'x-envoy-ratelimited') !== undefined) return (bits & R_RATELIMITED) !== 0;
    if (bits & R_5XX && status >= 500 && status < 600) return true;
    if (bits & R_GATEWAY && (status === 502 || status === 503 || status === 504)) return true;
    if (bits & R_4XX && status === 409) return true;
    if (bits & R_STATUS && this.#statusCodes.has(status)) return true;
    if (bits & R_HEADERS && this.#compiled !== undefined) {
      const req = asRouteRequest(headers);
      if (this.#compiled.retriableHeaders.some((m) => m(req))) return true;
    }
    const grpc = headerValue(headers, 'grpc-status');
    if (grpc !== undefined) {
      const bit = GRPC_BITS[Number(grpc)];
      if (bit !== undefined && (bits & bit) !== 0) return true;
    }
    return false;
  }

  /**
   * Decides about one finished attempt. `bodyBuffered`: the whole request body seen so far is still held
   * for a replay (false once it outgrew the retry buffer). On `retry: true` the caller waits `delayMs`,
   * then starts attempt `attemptCount` (sending x-envoy-attempt-count with it).
   */
  decide(outcome: AttemptOutcome, bodyBuffered = true): RetryDecision {
    this.#releaseRetrySlot();
    if (!this.enabled) return { retry: false, reason: 'no-policy' };
    if (outcome.kind === 'response' && headerValue(outcome.headers, 'x-envoy-overloaded') !== undefined) {
      return { retry: false, reason: 'upstream-overloaded' };
    }
    if (!this.wouldRetry(outcome)) {
      if (outcome.kind === 'response' && this.attemptCount > 1) this.#opts.stats?.success.inc();
      return { retry: false, reason: 'not-retriable' };
    }
    if (!bodyBuffered) return { retry: false, reason: 'body-not-buffered' };
    if (this.#retriesLeft <= 0) {
      this.#opts.stats?.limitExceeded.inc();
      return { retry: false, reason: 'limit-exceeded', flag: 'URX' };
    }
    this.#retriesLeft--;
    const slots = this.#opts.resources?.retries;
    if (slots !== undefined) {
      if (!slots.canCreate()) {
        this.#opts.stats?.overflow.inc();
        return { retry: false, reason: 'overflow', flag: 'UO' };
      }
      slots.inc();
      this.#holdsRetrySlot = true;
    }
    this.#opts.stats?.retry.inc();
    this.#opts.stats?.backoffExponential.inc();
    this.attemptCount++;
    return { retry: true, delayMs: this.#backoff!.next(), attemptCount: this.attemptCount };
  }

  /** The request is over (answered, reset or timed out): frees a retry slot still held. */
  destroy(): void {
    this.#releaseRetrySlot();
  }

  #releaseRetrySlot(): void {
    if (!this.#holdsRetrySlot) return;
    this.#holdsRetrySlot = false;
    this.#opts.resources?.retries.dec();
  }
}

/** retry_on names from x-envoy-retry-on and x-envoy-retry-grpc-on. */
function retryOnFromHeaders(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of ['x-envoy-retry-on', 'x-envoy-retry-grpc-on']) {
    const v = headerValue(headers, name);
    if (v !== undefined) for (const s of v.split(',')) if (s.trim() !== '') out.push(s.trim());
  }
  return out;
}
