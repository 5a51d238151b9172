// The fault and local rate limit filters of one connection manager, in their configured order, as the
// request path calls them: one call per request returns a local reply, a delay (with the rest of the chain
// to run after it), request header edits and response headers to add. Built once per filter chain.
import type { Clock } from '../../../common/clock.js';
import type { Random } from '../../../common/random.js';
import type { HttpFilter } from '../../config/listener.js';
import type { Route, RouteConfiguration } from '../../config/route.js';
import type { CompiledHeaderOps } from '../../router/header-ops.js';
import type { RouteRequest } from '../../router/request-match.js';
import type { StatsStore } from '../../stats/store.js';
import { decodeFaultSettings, FAULT_FILTER_TYPE, faultOverride } from './fault/config.js';
import {
  FAULT_ABORT_BODY,
  FAULT_ABORT_DETAILS,
  type FaultDecision,
  FaultFilter,
  FaultStats,
  FLAG_FAULT_INJECTED,
} from './fault/fault.js';
import { decodeLocalRateLimitSettings, LOCAL_RATE_LIMIT_FILTER_TYPE } from './local-ratelimit/config.js';
import {
  FLAG_RATE_LIMITED,
  LocalRateLimitFilter,
  RATE_LIMITED_DETAILS,
} from './local-ratelimit/local-ratelimit.js';

/** A reply the filters send instead of forwarding the request. */
export interface FilterReply {
  status: number;
  body: string;
  flag: string;
  details: string;
  /** Extra response headers, flat [name, value, …]. */
  headers: string[];
  /** For gRPC requests: the grpc-status to send (else the runtime maps the HTTP status). */
  grpcStatus?: number;
}

export interface FilterOutcome {
  reply?: FilterReply;
  /** Hold the request this long (ms, flag DI), then call `resume()` for the rest of the chain. */
  delayMs?: number;
  resume?: () => FilterOutcome;
  /** Edits to apply to the request before forwarding. */
  requestOps: CompiledHeaderOps[];
  /** Headers to add to the upstream response. */
  responseHeaders: string[];
}

/** What the request path passes in. */
export interface FilterRequest extends RouteRequest {
  isGrpc: boolean;
}

/** A fault in force for one request, to end when the request ends. */
export interface ActiveFault {
  filter: FaultFilter;
  decision: FaultDecision;
}

type Step =
  | { kind: 'fault'; filter: FaultFilter; name: string }
  | { kind: 'ratelimit'; filter: LocalRateLimitFilter };

export class HttpResilienceFilters {
  readonly #steps: Step[];
  readonly #vhostPerFilter = new WeakMap<RouteConfiguration, Map<string, Record<string, unknown>>>();

  private constructor(steps: Step[]) {
    this.#steps = steps;
  }

  /**
   * The resilience filters of a connection manager's chain, or undefined when it has none (the request
   * path then skips this module entirely). Throws on a config the xDS decoder should have rejected.
   */
  static fromConfig(
    filters: readonly HttpFilter[],
    opts: { clock: Clock; store: StatsStore; statPrefix: string },
  ): HttpResilienceFilters | undefined {
    const steps: Step[] = [];
    for (const f of filters) {
      if (f.disabled) continue;
      if (f.typeName === FAULT_FILTER_TYPE) {
        const r = decodeFaultSettings(f.config ?? {});
        if (!r.ok) throw new Error(`${f.name}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
        const stats = new FaultStats(opts.store, `http.${opts.statPrefix}.fault.`);
        steps.push({ kind: 'fault', filter: new FaultFilter(r.value, stats), name: f.name });
      } else if (f.typeName === LOCAL_RATE_LIMIT_FILTER_TYPE) {
        const r = decodeLocalRateLimitSettings(f.config ?? {});
        if (!r.ok) throw new Error(`${f.name}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
        steps.push({
          kind: 'ratelimit',
          filter: new LocalRateLimitFilter(f.name, r.value, opts.clock, opts.store),
        });
      }
    }
    return steps.length === 0 ? undefined : new HttpResilienceFilters(steps);
  }

  /** Runs the chain for one request routed to `route` (of `routes`) and, when forwarding, `cluster`. */
  onRequest(
    req: FilterRequest,
    route: Route,
    vhostName: string,
    routes: RouteConfiguration | undefined,
    cluster: string,
    random: Random,
    connection: object | string | undefined,
    faults: ActiveFault[],
  ): FilterOutcome {
    const vhost = routes === undefined ? undefined : this.#vhostConfig(routes, vhostName);
    const out: FilterOutcome = { requestOps: [], responseHeaders: [] };
    const run = (from: number): FilterOutcome => {
      for (let i = from; i < this.#steps.length; i++) {
        const step = this.#steps[i];
        if (step.kind === 'ratelimit') {
          const limiter = step.filter.limiterFor(route.perFilterConfig, vhost);
          const d = limiter?.decide(random, connection);
          if (d === undefined) continue;
          if (d.reply !== undefined) {
            out.reply = {
              status: d.reply.status,
              body: d.reply.body,
              flag: FLAG_RATE_LIMITED,
              details: RATE_LIMITED_DETAILS,
              headers: d.reply.headers,
              grpcStatus: d.reply.grpcStatus,
            };
            return out;
          }
          if (d.requestOps !== undefined) out.requestOps.push(d.requestOps);
          if (d.responseHeaders !== undefined) out.responseHeaders.push(...d.responseHeaders);
          continue;
        }
        const override = faultOverride(step.name, route.perFilterConfig, vhost);
        const d = step.filter.decide(req, random, cluster, override);
        if (!d.active) continue;
        faults.push({ filter: step.filter, decision: d });
        const abort = d.abort;
        const reply: FilterReply | undefined =
          abort === undefined
            ? undefined
            : {
                status: abort.status,
                body: FAULT_ABORT_BODY,
                flag: FLAG_FAULT_INJECTED,
                details: FAULT_ABORT_DETAILS,
                headers: [],
                grpcStatus: abort.grpcStatus,
              };
        if (d.delayMs !== undefined) {
          // The rest of the chain (and the abort, if any) runs when the delay is over.
          out.delayMs = d.delayMs;
          out.resume = () => {
            if (reply !== undefined)
              return { reply, requestOps: out.requestOps, responseHeaders: out.responseHeaders };
            const rest = run(i + 1);
            rest.delayMs = undefined;
            return rest;
          };
          return out;
        }
        if (reply !== undefined) {
          out.reply = reply;
          return out;
        }
      }
      return out;
    };
    return run(0);
  }

  /** Ends the request's faults (frees max_active_faults slots). */
  end(faults: ActiveFault[]): void {
    for (const f of faults) f.filter.end(f.decision);
    faults.length = 0;
  }

  #vhostConfig(routes: RouteConfiguration, name: string): Record<string, unknown> | undefined {
    let byName = this.#vhostPerFilter.get(routes);
    if (byName === undefined) {
      byName = new Map(routes.virtualHosts.map((v) => [v.name, v.perFilterConfig]));
      this.#vhostPerFilter.set(routes, byName);
    }
    return byName.get(name);
  }
}
