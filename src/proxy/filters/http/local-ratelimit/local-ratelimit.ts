// The local rate limit filter's per-request decision (Envoy's envoy.filters.http.local_ratelimit): a token
// bucket per filter, route or virtual host (or per connection), the enabled / enforced fractions, the
// 429 local reply (flag RL, x-envoy-ratelimited) and the x-ratelimit-* headers. Independent of the runtime.
import type { Clock } from '../../../../common/clock.js';
import type { Random } from '../../../../common/random.js';
import { applyHeaderOps, type CompiledHeaderOps, compileHeaderOps } from '../../../router/header-ops.js';
import type { Counter, StatsStore } from '../../../stats/store.js';
import { fractionHits } from '../fault/typed-config.js';
import { decodeLocalRateLimitSettings, type LocalRateLimitSettings } from './config.js';
import { TokenBucket } from './token-bucket.js';

export const RATE_LIMITED_BODY = 'local_rate_limited';
export const RATE_LIMITED_DETAILS = 'local_rate_limited';
export const FLAG_RATE_LIMITED = 'RL';
/** gRPC statuses for refused gRPC requests: UNAVAILABLE, or RESOURCE_EXHAUSTED when configured. */
const GRPC_UNAVAILABLE = 14;
const GRPC_RESOURCE_EXHAUSTED = 8;

export interface RateLimitDecision {
  /** Refuse the request: reply `reply.status` with `reply.headers` (flag RL, details local_rate_limited). */
  reply?: { status: number; body: string; headers: string[]; grpcStatus: number };
  /** Limited but not enforced: add these to the request before forwarding it. */
  requestOps?: CompiledHeaderOps;
  /** Headers to add to the upstream's response (x-ratelimit-* when enabled). */
  responseHeaders?: string[];
}

const PASS: RateLimitDecision = {};

/** Per-connection buckets kept by key before the oldest is forgotten. */
const MAX_KEYED_CONNECTIONS = 10_000;

/** Envoy's `<stat_prefix>.http_local_rate_limit.*` counters. */
export class LocalRateLimitStats {
  readonly enabled: Counter;
  readonly enforced: Counter;
  readonly rateLimited: Counter;
  readonly ok: Counter;

  constructor(store: StatsStore, statPrefix: string) {
    const c = (n: string) => store.counter(`${statPrefix}.http_local_rate_limit.${n}`);
    this.enabled = c('enabled');
    this.enforced = c('enforced');
    this.rateLimited = c('rate_limited');
    this.ok = c('ok');
  }
}

/** One configured limiter (filter-level, or a route's / virtual host's override) with its bucket(s). */
export class LocalRateLimiter {
  readonly #shared: TokenBucket | undefined;
  readonly #perConnection = new WeakMap<object, TokenBucket>();
  /** Buckets of connections known by a key (`ip:port`), oldest first; bounded so departed ones age out. */
  readonly #perConnectionKey = new Map<string, TokenBucket>();
  readonly #replyOps: CompiledHeaderOps;
  readonly #notEnforcedOps: CompiledHeaderOps;
  readonly stats: LocalRateLimitStats | undefined;

  constructor(
    readonly settings: LocalRateLimitSettings,
    private readonly clock: Clock,
    store?: StatsStore,
  ) {
    const b = settings.tokenBucket;
    this.#shared = b !== undefined && !settings.perConnection ? new TokenBucket(b, clock) : undefined;
    const ops = (add: LocalRateLimitSettings['responseHeadersToAdd']) =>
      compileHeaderOps(
        [{ requestAdd: add, requestRemove: [], responseAdd: add, responseRemove: [] }],
        'request',
      );
    this.#replyOps = ops(settings.responseHeadersToAdd);
    this.#notEnforcedOps = ops(settings.requestHeadersToAddWhenNotEnforced);
    this.stats = store === undefined ? undefined : new LocalRateLimitStats(store, settings.statPrefix);
  }

  #bucket(connection: object | string | undefined): TokenBucket | undefined {
    const b = this.settings.tokenBucket;
    if (b === undefined) return undefined;
    if (!this.settings.perConnection || connection === undefined)
      return this.#shared ?? this.#connectionless(b);
    if (typeof connection === 'string') {
      let keyed = this.#perConnectionKey.get(connection);
      if (keyed === undefined) {
        keyed = new TokenBucket(b, this.clock);
        this.#perConnectionKey.set(connection, keyed);
        if (this.#perConnectionKey.size > MAX_KEYED_CONNECTIONS) {
          const oldest = this.#perConnectionKey.keys().next().value;
          if (oldest !== undefined) this.#perConnectionKey.delete(oldest);
        }
      }
      return keyed;
    }
    let bucket = this.#perConnection.get(connection);
    if (bucket === undefined) {
      bucket = new TokenBucket(b, this.clock);
      this.#perConnection.set(connection, bucket);
    }
    return bucket;
  }

  #fallback: TokenBucket | undefined;
  /** A per-connection limiter asked without a connection: one bucket for all such requests. */
  #connectionless(b: NonNullable<LocalRateLimitSettings['tokenBucket']>): TokenBucket {
    this.#fallback ??= new TokenBucket(b, this.clock);
    return this.#fallback;
  }

  /**
   * Decides one request. `connection`: the downstream connection (its object, or a key such as the peer's
   * `ip:port`), for per-connection buckets.
   */
  decide(random: Random, connection?: object | string): RateLimitDecision {
    const s = this.settings;
    const bucket = this.#bucket(connection);
    if (bucket === undefined) return PASS;
    const draw = (n: number) => random.nextInt(n);
    if (!fractionHits(s.enabled, draw)) return PASS;
    this.stats?.enabled.inc();
    const allowed = bucket.consume();
    const xHeaders = s.xRateLimitHeaders ? this.#xRateLimitHeaders(bucket) : undefined;
    if (allowed) {
      this.stats?.ok.inc();
      return xHeaders === undefined ? PASS : { responseHeaders: xHeaders };
    }
    this.stats?.rateLimited.inc();
    if (!fractionHits(s.enforced, draw)) {
      const out: RateLimitDecision = { requestOps: this.#notEnforcedOps };
      if (xHeaders !== undefined) out.responseHeaders = xHeaders;
      return out;
    }
    this.stats?.enforced.inc();
    const headers: string[] = ['x-envoy-ratelimited', 'true'];
    applyHeaderOps(headers, this.#replyOps);
    if (xHeaders !== undefined) headers.push(...xHeaders);
    return {
      reply: {
        status: s.status,
        body: RATE_LIMITED_BODY,
        headers,
        grpcStatus: s.rateLimitedAsResourceExhausted ? GRPC_RESOURCE_EXHAUSTED : GRPC_UNAVAILABLE,
      },
    };
  }

  /** x-ratelimit-limit (bucket size), -remaining (tokens left) and -reset (seconds to the next fill). */
  #xRateLimitHeaders(bucket: TokenBucket): string[] {
    return [
      'x-ratelimit-limit',
      String(bucket.settings.maxTokens),
      'x-ratelimit-remaining',
      String(bucket.remaining),
      'x-ratelimit-reset',
      String(Math.ceil(bucket.msUntilNextFill() / 1000)),
    ];
  }
}

/**
 * The filter of one connection manager: its own limiter plus the limiters of route and virtual host
 * overrides, each created once per override object so its bucket is shared by all requests of that route.
 */
export class LocalRateLimitFilter {
  readonly #overrides = new WeakMap<object, LocalRateLimiter | null>();
  readonly limiter: LocalRateLimiter | undefined;

  constructor(
    readonly name: string,
    settings: LocalRateLimitSettings | undefined,
    private readonly clock: Clock,
    private readonly store?: StatsStore,
  ) {
    this.limiter = settings === undefined ? undefined : new LocalRateLimiter(settings, clock, store);
  }

  /** The limiter for a request: the route's override, else the virtual host's, else the filter's. */
  limiterFor(...levels: (Record<string, unknown> | undefined)[]): LocalRateLimiter | undefined {
    for (const perFilter of levels) {
      const json = perFilter?.[this.name];
      if (typeof json !== 'object' || json === null) continue;
      let l = this.#overrides.get(json);
      if (l === undefined) {
        const r = decodeLocalRateLimitSettings(json, `typed_per_filter_config.${this.name}`);
        l = r.ok ? new LocalRateLimiter(r.value, this.clock, this.store) : null;
        this.#overrides.set(json, l);
      }
      return l ?? undefined;
    }
    return this.limiter;
  }
}
