// RANDOM: a uniformly random host among the candidates (Envoy's random balancer ignores host weights;
// locality weights and priorities still apply).
import type { HostSet } from '../host-set.js';
import { CandidateLoadBalancer } from './base.js';
import type { Host } from './types.js';

export class RandomLoadBalancer extends CandidateLoadBalancer<null> {
  constructor(hostSet: HostSet, random: () => number) {
    super(hostSet, random);
  }

  protected buildState(): null {
    return null;
  }

  protected pick(_state: null, candidates: readonly Host[]): Host {
    return candidates[Math.floor(this.random() * candidates.length)];
  }
}
