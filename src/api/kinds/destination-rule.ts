// DestinationRule (networking.istio.io): per-host traffic policy and the subsets routes send to.
import { exportTo, host, labelMap, workloadSelector } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, type Infer, obj, str } from '../schema.js';
import { trafficPolicy } from './traffic-policy.js';
import { ISTIO_NETWORKING, NETWORKING_VERSIONS } from './virtual-service.js';

const subset = () =>
  obj({
    name: str({ nonEmpty: true })
      .required()
      .check((v, ctx, path) => {
        if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v))
          ctx.error(path, `invalid subset name "${v}"`, 'subset');
      }),
    labels: labelMap(),
    trafficPolicy: trafficPolicy(),
  });

export const destinationRuleSpec = obj({
  host: host().required(),
  trafficPolicy: trafficPolicy(),
  subsets: arr(subset()).check((subsets, ctx, path) => {
    const first = new Map<string, number>();
    subsets.forEach((s, i) => {
      const prev = first.get(s.name);
      if (prev !== undefined) {
        ctx.error(
          `${path}[${i}].name`,
          `duplicate subset name "${s.name}" (first defined at subsets[${prev}])`,
          'duplicate-subset',
        );
      } else first.set(s.name, i);
    });
  }),
  exportTo: exportTo(),
  workloadSelector: workloadSelector(),
});

export type DestinationRuleSpec = Infer<typeof destinationRuleSpec>;
export type Subset = Infer<ReturnType<typeof subset>>;
export type DestinationRuleResource = Resource<DestinationRuleSpec>;

export const destinationRuleKind = defineKind({
  kind: 'DestinationRule',
  group: ISTIO_NETWORKING,
  versions: NETWORKING_VERSIONS,
  namespaced: true,
  spec: destinationRuleSpec,
  description:
    'policies applied to traffic for a host after routing: load balancing, pools, outlier detection, TLS, subsets',
});
