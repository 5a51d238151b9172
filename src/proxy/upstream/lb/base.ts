// The shared skeleton of every load balancer: pick a priority level (and locality) from the HostSet, let the
// policy pick a host from that candidate list, then steer away from `avoid`ed hosts (retries) when it can.
import type { HostSet } from '../host-set.js';
import type { Host, LbContext, LoadBalancer } from './types.js';

/** Extra policy picks tried before scanning for a host not in `avoid` (Envoy's host selection retries). */
const AVOID_REPICKS = 3;

export abstract class CandidateLoadBalancer<State> implements LoadBalancer {
  readonly #states = new WeakMap<readonly Host[], State>();

  constructor(
    protected readonly hostSet: HostSet,
    protected readonly random: () => number,
  ) {}

  /** Whether this policy narrows to one locality when locality weighting is on (hash policies do not). */
  protected get usesLocalities(): boolean {
    return true;
  }

  /** Per-candidate-list state (schedulers, rings), built once per list; lists change on every refresh. */
  protected abstract buildState(candidates: readonly Host[]): State;

  /** Picks one host from a non-empty candidate list. */
  protected abstract pick(state: State, candidates: readonly Host[], ctx: LbContext): Host;

  choose(ctx: LbContext): Host | undefined {
    const candidates = this.hostSet.chooseCandidates(
      this.#priorityDraw(ctx.hash),
      this.usesLocalities ? this.random : undefined,
    );
    if (candidates === undefined || candidates.length === 0) return undefined;
    let state = this.#states.get(candidates);
    if (state === undefined) {
      state = this.buildState(candidates);
      this.#states.set(candidates, state);
    }
    const first = this.pick(state, candidates, ctx);
    const avoid = ctx.avoid;
    if (!avoid || avoid.size === 0 || !avoid.has(first)) return first;
    return this.pickAvoiding(state, candidates, ctx, avoid) ?? first;
  }

  /** Priority draw 0..99: from the request hash for hash policies (as Envoy does), else random. */
  #priorityDraw(hash: bigint | undefined): () => number {
    if (hash !== undefined && !this.usesLocalities) return () => Number(hash % 100n);
    return this.#randomPercent;
  }

  readonly #randomPercent = (): number => Math.floor(this.random() * 100);

  /** Re-picks a few times, then scans from a random offset; undefined when every candidate is avoided. */
  protected pickAvoiding(
    state: State,
    candidates: readonly Host[],
    ctx: LbContext,
    avoid: ReadonlySet<Host>,
  ): Host | undefined {
    for (let i = 0; i < AVOID_REPICKS; i++) {
      const host = this.pick(state, candidates, { ...ctx, hash: undefined });
      if (!avoid.has(host)) return host;
    }
    const offset = Math.floor(this.random() * candidates.length);
    for (let i = 0; i < candidates.length; i++) {
      const host = candidates[(offset + i) % candidates.length];
      if (!avoid.has(host)) return host;
    }
    return undefined;
  }
}
