// ROUND_ROBIN: plain rotation when all weights are equal, otherwise earliest-deadline-first scheduling so
// each host gets picks in proportion to its weight (Envoy's weighted round robin).
import type { HostSet } from '../host-set.js';
import { CandidateLoadBalancer } from './base.js';
import { EdfScheduler } from './edf.js';
import type { Host } from './types.js';

type RoundRobinState = { kind: 'rotate'; next: number } | { kind: 'edf'; scheduler: EdfScheduler<Host> };

export function allWeightsEqual(hosts: readonly Host[]): boolean {
  for (let i = 1; i < hosts.length; i++) if (hosts[i].weight !== hosts[0].weight) return false;
  return true;
}

export class RoundRobinLoadBalancer extends CandidateLoadBalancer<RoundRobinState> {
  constructor(hostSet: HostSet, random: () => number) {
    super(hostSet, random);
  }

  protected buildState(candidates: readonly Host[]): RoundRobinState {
    // Start at a random position so that many proxies do not all hit the same host first.
    const offset = Math.floor(this.random() * candidates.length);
    if (allWeightsEqual(candidates)) return { kind: 'rotate', next: offset };
    const scheduler = new EdfScheduler<Host>();
    for (const host of candidates) scheduler.add(host, host.weight);
    for (let i = 0; i < offset; i++) scheduler.pickAndAdd((h) => h.weight);
    return { kind: 'edf', scheduler };
  }

  protected pick(state: RoundRobinState, candidates: readonly Host[]): Host {
    if (state.kind === 'rotate') {
      const host = candidates[state.next % candidates.length];
      state.next = (state.next + 1) % candidates.length;
      return host;
    }
    return state.scheduler.pickAndAdd((h) => h.weight)!;
  }
}
