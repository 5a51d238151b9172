// Which traffic policy applies to one cluster: the DestinationRule's top-level policy, overridden field by
// field by the matching portLevelSettings, then by the subset's own policy (and its port-level settings).
import type { DestinationRuleSpec, Subset, TrafficPolicy } from '../../../api/index.js';

export type PolicyParts = Pick<TrafficPolicy, 'loadBalancer' | 'connectionPool' | 'outlierDetection' | 'tls'>;

function withPort(policy: TrafficPolicy | undefined, port: number): PolicyParts {
  if (!policy) return {};
  const out: PolicyParts = {
    loadBalancer: policy.loadBalancer,
    connectionPool: policy.connectionPool,
    outlierDetection: policy.outlierDetection,
    tls: policy.tls,
  };
  const pl = policy.portLevelSettings?.find((p) => p.port.number === port);
  if (pl) {
    if (pl.loadBalancer) out.loadBalancer = pl.loadBalancer;
    if (pl.connectionPool) out.connectionPool = pl.connectionPool;
    if (pl.outlierDetection) out.outlierDetection = pl.outlierDetection;
    if (pl.tls) out.tls = pl.tls;
  }
  return out;
}

/** The effective policy of `outbound|port|subset|host` under `dr`. */
export function effectivePolicy(
  dr: DestinationRuleSpec | undefined,
  port: number,
  subset?: Subset,
): PolicyParts {
  const base = withPort(dr?.trafficPolicy, port);
  if (!subset?.trafficPolicy) return base;
  const sub = withPort(subset.trafficPolicy, port);
  return {
    loadBalancer: sub.loadBalancer ?? base.loadBalancer,
    connectionPool: sub.connectionPool ?? base.connectionPool,
    outlierDetection: sub.outlierDetection ?? base.outlierDetection,
    tls: sub.tls ?? base.tls,
  };
}
