// VirtualService corsPolicy → the route's CorsPolicy (origins as string matchers, lists comma-joined,
// maxAge in whole seconds), enabled for every request.
import { create } from '@bufbuild/protobuf';
import type { CorsPolicy as IstioCors } from '../../../api/index.js';
import { durationMs } from '../../../common/duration.js';
import { RuntimeFractionalPercentSchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  type CorsPolicy,
  CorsPolicySchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import type { StringMatcher } from '../../../generated/envoy/type/matcher/v3/string_pb.js';
import { percentOf } from '../pb.js';
import { stringMatcher } from './match.js';

export function corsPolicy(c: IstioCors): CorsPolicy {
  const origins: StringMatcher[] = [];
  for (const o of c.allowOrigins ?? []) {
    const m = stringMatcher(o);
    if (m) origins.push(m);
  }
  for (const o of c.allowOrigin ?? []) {
    const m = stringMatcher(o === '*' ? { prefix: '' } : { exact: o });
    if (m) origins.push(m);
  }
  const out = create(CorsPolicySchema, {
    allowOriginStringMatch: origins,
    allowMethods: (c.allowMethods ?? []).join(','),
    allowHeaders: (c.allowHeaders ?? []).join(','),
    exposeHeaders: (c.exposeHeaders ?? []).join(','),
    maxAge: c.maxAge ? String(Math.floor(durationMs(c.maxAge) / 1000)) : '',
    enabledSpecifier: {
      case: 'filterEnabled',
      value: create(RuntimeFractionalPercentSchema, { defaultValue: percentOf(100) }),
    },
  });
  if (c.allowCredentials !== undefined) out.allowCredentials = c.allowCredentials;
  return out;
}
