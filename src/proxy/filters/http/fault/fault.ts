// The fault filter's per-request decision (Envoy's envoy.filters.http.fault): whether to delay and/or abort
// a request, from the settings (the filter's, or the route's override), the request headers and a random
// draw per fault; plus max_active_faults accounting and the filter's stats. Independent of the runtime,
// which waits `delayMs` on its clock and then replies with the abort (flags DI and FI).
import type { Random } from '../../../../common/random.js';
import type { RouteRequest } from '../../../router/request-match.js';
import type { Counter, Gauge, StatsStore } from '../../../stats/store.js';
import type { FaultSettings } from './config.js';
import { type Fraction, fractionHits } from './typed-config.js';

export const HEADER_DELAY_REQUEST = 'x-envoy-fault-delay-request';
export const HEADER_DELAY_PERCENTAGE = 'x-envoy-fault-delay-request-percentage';
export const HEADER_ABORT_REQUEST = 'x-envoy-fault-abort-request';
export const HEADER_ABORT_GRPC_REQUEST = 'x-envoy-fault-abort-grpc-request';
export const HEADER_ABORT_PERCENTAGE = 'x-envoy-fault-abort-request-percentage';
export const HEADER_DOWNSTREAM_NODE = 'x-envoy-downstream-service-node';
export const HEADER_DOWNSTREAM_CLUSTER = 'x-envoy-downstream-service-cluster';

/** The body and details of Envoy's fault abort replies. */
export const FAULT_ABORT_BODY = 'fault filter abort';
export const FAULT_ABORT_DETAILS = 'fault_filter_abort';
export const FLAG_DELAY_INJECTED = 'DI';
export const FLAG_FAULT_INJECTED = 'FI';

export interface FaultDecision {
  /** Hold the request this long (ms) before continuing; flag DI. */
  delayMs?: number;
  /** Then reply locally instead of forwarding: an HTTP status, or (gRPC) HTTP 200 with this grpc-status; flag FI. */
  abort?: { status: number; grpcStatus?: number };
  /** Whether this request holds an active-fault slot: pass the decision to `end()` when the request ends. */
  active: boolean;
}

const NO_FAULT: FaultDecision = { active: false };

function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

function headerInt(headers: readonly string[], name: string): number | undefined {
  const v = headerValue(headers, name);
  if (v === undefined || !/^\d{1,10}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** A header percentage (numerator, with the configured denominator) never exceeds the configured one. */
function headerFraction(configured: Fraction, headers: readonly string[], name: string): Fraction {
  const n = headerInt(headers, name);
  if (n === undefined) return configured;
  return { numerator: Math.min(n, configured.numerator), denominator: configured.denominator };
}

/** Envoy's `http.<stat_prefix>.fault.*` stats, plus per downstream cluster ones created on first use. */
export class FaultStats {
  readonly delaysInjected: Counter;
  readonly abortsInjected: Counter;
  readonly faultsOverflow: Counter;
  readonly activeFaults: Gauge;
  readonly #byDownstream = new Map<string, { delays: Counter; aborts: Counter }>();

  constructor(
    private readonly store: StatsStore,
    /** e.g. `http.ingress_http.fault.` */
    private readonly prefix: string,
  ) {
    this.delaysInjected = store.counter(`${prefix}delays_injected`);
    this.abortsInjected = store.counter(`${prefix}aborts_injected`);
    this.faultsOverflow = store.counter(`${prefix}faults_overflow`);
    this.activeFaults = store.gauge(`${prefix}active_faults`);
  }

  downstream(cluster: string): { delays: Counter; aborts: Counter } {
    let s = this.#byDownstream.get(cluster);
    if (s === undefined) {
      s = {
        delays: this.store.counter(`${this.prefix}${cluster}.delays_injected`),
        aborts: this.store.counter(`${this.prefix}${cluster}.aborts_injected`),
      };
      this.#byDownstream.set(cluster, s);
    }
    return s;
  }
}

/** One fault filter instance of a connection manager: its own settings, shared stats and active count. */
export class FaultFilter {
  #active = 0;

  constructor(
    readonly settings: FaultSettings,
    private readonly stats?: FaultStats,
  ) {}

  get activeFaults(): number {
    return this.#active;
  }

  /**
   * Decides one request's faults. `override`: the route's (or virtual host's) settings, which replace the
   * filter's whole; `upstreamCluster`: where the route sends it. Draws one number per configured fault.
   */
  decide(
    request: RouteRequest,
    random: Random,
    upstreamCluster?: string,
    override?: FaultSettings,
  ): FaultDecision {
    const s = override ?? this.settings;
    const h = request.headers;
    if (s.delay === undefined && s.abort === undefined) return NO_FAULT;
    if (s.upstreamCluster !== undefined && s.upstreamCluster !== upstreamCluster) return NO_FAULT;
    if (s.downstreamNodes.length > 0) {
      const node = headerValue(h, HEADER_DOWNSTREAM_NODE);
      if (node === undefined || !s.downstreamNodes.includes(node)) return NO_FAULT;
    }
    for (const m of s.headerPredicates) if (!m(request)) return NO_FAULT;
    if (s.maxActiveFaults !== undefined && this.#active >= s.maxActiveFaults) {
      this.stats?.faultsOverflow.inc();
      return NO_FAULT;
    }
    const draw = (n: number) => random.nextInt(n);
    let delayMs: number | undefined;
    const d = s.delay;
    if (d !== undefined) {
      const pct =
        d.kind === 'header' ? headerFraction(d.percentage, h, HEADER_DELAY_PERCENTAGE) : d.percentage;
      if (fractionHits(pct, draw)) {
        const ms = d.kind === 'fixed' ? d.delayMs : headerInt(h, HEADER_DELAY_REQUEST);
        if (ms !== undefined && ms > 0) delayMs = ms;
      }
    }
    let abort: FaultDecision['abort'];
    const a = s.abort;
    if (a !== undefined) {
      const pct =
        a.kind === 'header' ? headerFraction(a.percentage, h, HEADER_ABORT_PERCENTAGE) : a.percentage;
      if (fractionHits(pct, draw)) abort = abortStatus(a, h);
    }
    if (delayMs === undefined && abort === undefined) return NO_FAULT;
    const downstream =
      this.stats !== undefined && !s.disableDownstreamClusterStats
        ? headerValue(h, HEADER_DOWNSTREAM_CLUSTER)
        : undefined;
    if (delayMs !== undefined) {
      this.stats?.delaysInjected.inc();
      if (downstream !== undefined) this.stats?.downstream(downstream).delays.inc();
    }
    if (abort !== undefined) {
      this.stats?.abortsInjected.inc();
      if (downstream !== undefined) this.stats?.downstream(downstream).aborts.inc();
    }
    this.#active++;
    this.stats?.activeFaults.set(this.#active);
    const out: FaultDecision = { active: true };
    if (delayMs !== undefined) out.delayMs = delayMs;
    if (abort !== undefined) out.abort = abort;
    return out;
  }

  /** The faulted request ended (replied, reset or forwarded after its delay): frees its active slot. */
  end(decision: FaultDecision): void {
    if (!decision.active) return;
    decision.active = false;
    this.#active--;
    this.stats?.activeFaults.set(this.#active);
  }
}

function abortStatus(a: NonNullable<FaultSettings['abort']>, h: readonly string[]): FaultDecision['abort'] {
  switch (a.kind) {
    case 'http':
      return { status: a.status };
    case 'grpc':
      return { status: 200, grpcStatus: a.grpcStatus };
    case 'header': {
      const status = headerInt(h, HEADER_ABORT_REQUEST);
      if (status !== undefined && status >= 200 && status < 600) return { status };
      const grpc = headerInt(h, HEADER_ABORT_GRPC_REQUEST);
      if (grpc !== undefined) return { status: 200, grpcStatus: grpc };
      return undefined;
    }
  }
}
