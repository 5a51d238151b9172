// What cached routes were built from besides their key, in comparable form: the delegate VirtualServices a
// VirtualService names, and what route building reads about destination hosts (ports, load balancing).
import type { DestinationRuleSpec, TrafficPolicy } from '../../../api/index.js';
import type { IndexedVirtualService } from '../../model/snapshot.js';
import { contentId } from '../cache.js';
import type { TranslateContext } from '../context.js';

/** The delegate VirtualServices a VirtualService's routes name, by content ('' when none). */
export function delegatesKey(ctx: TranslateContext, vs: IndexedVirtualService): string {
  let key = '';
  for (const r of vs.resource.spec.http ?? []) {
    if (!r.delegate) continue;
    const ns = r.delegate.namespace ?? vs.resource.metadata.namespace;
    key += `${ns}/${r.delegate.name}=${contentId(ctx.snapshot.delegate(r.delegate.name, ns)?.resource)},`;
  }
  return key;
}

/**
 * What route building reads about destination hosts: the service's port numbers (a destination without a
 * port takes its only one) and the load balancer settings of the DestinationRule that applies (hash policy).
 */
export function destinationsFingerprint(ctx: TranslateContext, hosts: readonly string[]): string {
  let out = '';
  for (const host of hosts) {
    const ports = ctx.snapshot.service(host)?.ports.map((p) => p.port);
    out += `${host}=${ports?.join(',') ?? '-'}/${loadBalancerKey(ctx.destinationRule(host)?.spec)};`;
  }
  return out;
}

const loadBalancerKeys = new WeakMap<DestinationRuleSpec, string>();

/** A traffic policy's load balancer settings, top level and per port. */
const loadBalancers = (policy: TrafficPolicy | undefined) => [
  policy?.loadBalancer ?? null,
  (policy?.portLevelSettings ?? []).map((p) => [p.port.number, p.loadBalancer ?? null]),
];

/**
 * The parts of a DestinationRule that routes may read: load balancer settings (the hash policy), of the rule
 * and of each subset (routes read the rule's today; subsets' are included so a route builder that starts
 * reading them stays correct). Subset labels, pools, outlier detection and TLS are not read: a subset's
 * labels changing keeps the routes. Stored resources are never mutated, so the text is kept per spec.
 */
function loadBalancerKey(spec: DestinationRuleSpec | undefined): string {
  if (!spec) return '';
  let key = loadBalancerKeys.get(spec);
  if (key === undefined) {
    key = JSON.stringify([
      loadBalancers(spec.trafficPolicy),
      (spec.subsets ?? []).map((s) => [s.name, loadBalancers(s.trafficPolicy)]),
    ]);
    loadBalancerKeys.set(spec, key);
  }
  return key;
}
