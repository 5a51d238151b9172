// LEAST_REQUEST: with equal weights, power-of-N-choices (N random hosts, fewest active requests wins; N = 2
// by default); with unequal weights, EDF scheduling on weight / (active requests + 1)^bias, as Envoy does.
import type { HostSet } from '../host-set.js';
import { CandidateLoadBalancer } from './base.js';
import { EdfScheduler } from './edf.js';
import { allWeightsEqual } from './round-robin.js';
import type { Host } from './types.js';

/** Envoy's default active_request_bias: effective weight = weight / (active + 1)^1. */
const ACTIVE_REQUEST_BIAS = 1;

type LeastRequestState = { kind: 'choices' } | { kind: 'edf'; scheduler: EdfScheduler<Host> };

function effectiveWeight(host: Host): number {
  return host.weight / (host.activeRequests + 1) ** ACTIVE_REQUEST_BIAS;
}

export class LeastRequestLoadBalancer extends CandidateLoadBalancer<LeastRequestState> {
  readonly #choiceCount: number;

  constructor(hostSet: HostSet, random: () => number, choiceCount = 2) {
    super(hostSet, random);
    this.#choiceCount = Math.max(1, Math.trunc(choiceCount));
  }

  protected buildState(candidates: readonly Host[]): LeastRequestState {
    if (allWeightsEqual(candidates)) return { kind: 'choices' };
    const scheduler = new EdfScheduler<Host>();
    for (const host of candidates) scheduler.add(host, effectiveWeight(host));
    return { kind: 'edf', scheduler };
  }

  protected pick(state: LeastRequestState, candidates: readonly Host[]): Host {
    if (state.kind === 'edf') return state.scheduler.pickAndAdd(effectiveWeight)!;
    // Sampling with replacement, like Envoy: cheap, and the busiest host is all but never chosen.
    let best = candidates[Math.floor(this.random() * candidates.length)];
    for (let i = 1; i < this.#choiceCount; i++) {
      const other = candidates[Math.floor(this.random() * candidates.length)];
      if (other.activeRequests < best.activeRequests) best = other;
    }
    return best;
  }
}
