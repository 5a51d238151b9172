// The per-request side of the resilience filters for the exchange: runs the chain once the route and
// cluster are known, turns its outcome into a local reply (with the gRPC status when one was asked for),
// holds the request through a fault delay on the clock and then continues it, and keeps the headers to
// add to the response and the faults to end with the request.
import type { Clock, TimerHandle } from '../../../common/clock.js';
import type { Random } from '../../../common/random.js';
import type { RouteConfiguration } from '../../config/route.js';
import type { CompiledRoute } from '../../router/compiled-route.js';
import { applyHeaderOps, type CompiledHeaderOps } from '../../router/header-ops.js';
import type {
  ActiveFault,
  FilterOutcome,
  FilterReply,
  FilterRequest,
  HttpResilienceFilters,
} from './resilience-filters.js';

/** What the exchange offers (HttpExchange fits, plus the one override field). */
export interface FilteredExchange extends FilterRequest {
  headers: string[];
  readonly remoteAddress: string;
  readonly remotePort: number;
  exchangeDone: boolean;
  /** gRPC local replies send this grpc-status instead of the one mapped from the HTTP status; -1: none. */
  grpcStatusOverride: number;
  addFlag(flag: string): void;
  localReply(status: number, body: string, flag: string, details: string, ops?: CompiledHeaderOps): void;
}

function opsFromHeaders(headers: readonly string[]): CompiledHeaderOps {
  if (headers.length === 0) return [];
  const add = [];
  for (let i = 0; i < headers.length; i += 2)
    add.push({
      name: headers[i],
      value: headers[i + 1],
      action: 'APPEND_IF_EXISTS_OR_ADD' as const,
      keepEmpty: false,
    });
  return [{ remove: [], add }];
}

export class RequestFilters {
  readonly #faults: ActiveFault[] = [];
  #delay: TimerHandle | undefined;
  /** Headers to add to the upstream's response (x-ratelimit-*). */
  responseHeaders: readonly string[] = [];

  constructor(
    private readonly filters: HttpResilienceFilters,
    private readonly ex: FilteredExchange,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /**
   * Runs the chain for the request routed by `route` to `cluster`. Returns true when the request goes on
   * now; false when it was answered, or is held by a fault delay (then `proceed` runs after it, unless the
   * exchange ended meanwhile).
   */
  run(
    route: CompiledRoute,
    routes: RouteConfiguration | undefined,
    cluster: string,
    proceed: () => void,
  ): boolean {
    const ex = this.ex;
    const out = this.filters.onRequest(
      ex,
      route.route,
      route.vhostName,
      routes,
      cluster,
      this.random,
      `${ex.remoteAddress}:${ex.remotePort}`,
      this.#faults,
    );
    return this.#apply(out, proceed);
  }

  #apply(out: FilterOutcome, proceed: () => void): boolean {
    const ex = this.ex;
    if (out.delayMs !== undefined && out.resume !== undefined) {
      ex.addFlag('DI');
      const resume = out.resume;
      this.#delay = this.clock.setTimeout(() => {
        this.#delay = undefined;
        if (!ex.exchangeDone && this.#apply(resume(), proceed)) proceed();
      }, out.delayMs);
      return false;
    }
    if (out.reply !== undefined) {
      this.#reply(out.reply);
      return false;
    }
    for (const ops of out.requestOps) applyHeaderOps(ex.headers, ops);
    this.responseHeaders = out.responseHeaders;
    return true;
  }

  #reply(r: FilterReply): void {
    if (r.grpcStatus !== undefined) this.ex.grpcStatusOverride = r.grpcStatus;
    this.ex.localReply(r.status, r.body, r.flag, r.details, opsFromHeaders(r.headers));
  }

  /** The request ended: cancel a pending delay and free the active-fault slots. */
  end(): void {
    if (this.#delay !== undefined) this.clock.clearTimeout(this.#delay);
    this.#delay = undefined;
    this.filters.end(this.#faults);
  }
}
