// VirtualService mirror / mirrors (+ mirrorPercentage) → request_mirror_policies; unset percentage = 100 %.
import { create } from '@bufbuild/protobuf';
import type { HTTPRoute } from '../../../api/index.js';
import { RuntimeFractionalPercentSchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  type RouteAction_RequestMirrorPolicy,
  RouteAction_RequestMirrorPolicySchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { percentOf } from '../pb.js';
import type { ClusterResolver } from './weight.js';

export function mirrorPolicies(
  route: HTTPRoute,
  clusterOf: ClusterResolver,
): RouteAction_RequestMirrorPolicy[] {
  const list: { destination: NonNullable<HTTPRoute['mirror']>; percent: number }[] = [];
  if (route.mirror) {
    list.push({
      destination: route.mirror,
      percent: route.mirrorPercentage?.value ?? route.mirrorPercent ?? 100,
    });
  }
  for (const m of route.mirrors ?? [])
    list.push({ destination: m.destination, percent: m.percentage?.value ?? 100 });
  return list
    .filter((m) => m.percent > 0)
    .map((m) =>
      create(RouteAction_RequestMirrorPolicySchema, {
        cluster: clusterOf(m.destination),
        runtimeFraction: create(RuntimeFractionalPercentSchema, { defaultValue: percentOf(m.percent) }),
        traceSampled: false,
      }),
    );
}
