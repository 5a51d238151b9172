// DestinationRule consistentHash → the route's hash_policy (header, cookie, source IP, query parameter),
// which the RING_HASH / MAGLEV cluster uses to pick a host.
import { create } from '@bufbuild/protobuf';
import type { LoadBalancerSettings } from '../../../api/index.js';
import { durationMs } from '../../../common/duration.js';
import {
  type RouteAction_HashPolicy,
  RouteAction_HashPolicy_ConnectionPropertiesSchema,
  RouteAction_HashPolicy_CookieSchema,
  RouteAction_HashPolicy_HeaderSchema,
  RouteAction_HashPolicy_QueryParameterSchema,
  RouteAction_HashPolicySchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { durationOf } from '../pb.js';

export function hashPolicy(lb: LoadBalancerSettings | undefined): RouteAction_HashPolicy | undefined {
  const ch = lb?.consistentHash;
  if (!ch) return undefined;
  if (ch.httpHeaderName) {
    return create(RouteAction_HashPolicySchema, {
      policySpecifier: {
        case: 'header',
        value: create(RouteAction_HashPolicy_HeaderSchema, { headerName: ch.httpHeaderName }),
      },
    });
  }
  if (ch.httpCookie) {
    const cookie = create(RouteAction_HashPolicy_CookieSchema, {
      name: ch.httpCookie.name,
      path: ch.httpCookie.path ?? '',
    });
    if (ch.httpCookie.ttl) cookie.ttl = durationOf(durationMs(ch.httpCookie.ttl));
    return create(RouteAction_HashPolicySchema, { policySpecifier: { case: 'cookie', value: cookie } });
  }
  if (ch.useSourceIp) {
    return create(RouteAction_HashPolicySchema, {
      policySpecifier: {
        case: 'connectionProperties',
        value: create(RouteAction_HashPolicy_ConnectionPropertiesSchema, { sourceIp: true }),
      },
    });
  }
  if (ch.httpQueryParameterName) {
    return create(RouteAction_HashPolicySchema, {
      policySpecifier: {
        case: 'queryParameter',
        value: create(RouteAction_HashPolicy_QueryParameterSchema, { name: ch.httpQueryParameterName }),
      },
    });
  }
  return undefined;
}
