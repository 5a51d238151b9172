// VirtualService HTTPMatchRequest → Envoy RouteMatch: uri (exact/prefix/regex, ignoreUriCase), headers and
// withoutHeaders, method/authority/scheme as pseudo-headers, query parameters. Matches that depend on the
// caller (port, sourceLabels, sourceNamespace, gateways) are decided at generation time by `appliesTo`.
import { create } from '@bufbuild/protobuf';
import type { HTTPMatchRequest, StringMatch } from '../../../api/index.js';
import { labelsMatch } from '../../../api/labels.js';
import {
  type HeaderMatcher,
  HeaderMatcherSchema,
  QueryParameterMatcherSchema,
  type RouteMatch,
  RouteMatchSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { RegexMatcherSchema } from '../../../generated/envoy/type/matcher/v3/regex_pb.js';
import {
  type StringMatcher,
  StringMatcherSchema,
} from '../../../generated/envoy/type/matcher/v3/string_pb.js';
import type { MeshProxy } from '../../model/proxy.js';

type Presence = { exact?: string; prefix?: string; regex?: string };

export function stringMatcher(m: Presence, ignoreCase = false): StringMatcher | undefined {
  if (m.exact !== undefined)
    return create(StringMatcherSchema, { matchPattern: { case: 'exact', value: m.exact }, ignoreCase });
  if (m.prefix !== undefined)
    return create(StringMatcherSchema, { matchPattern: { case: 'prefix', value: m.prefix }, ignoreCase });
  if (m.regex !== undefined) {
    return create(StringMatcherSchema, {
      matchPattern: { case: 'safeRegex', value: create(RegexMatcherSchema, { regex: m.regex }) },
    });
  }
  return undefined;
}

/** A header condition; `{}` (no exact/prefix/regex) means "present". */
export function headerMatcher(name: string, m: Presence, invert = false): HeaderMatcher {
  const sm = stringMatcher(m);
  return create(HeaderMatcherSchema, {
    name: name.toLowerCase(),
    headerMatchSpecifier: sm ? { case: 'stringMatch', value: sm } : { case: 'presentMatch', value: true },
    invertMatch: invert,
  });
}

export function routeMatch(m: HTTPMatchRequest | undefined): RouteMatch {
  const out = create(RouteMatchSchema, { pathSpecifier: { case: 'prefix', value: '/' } });
  if (!m) return out;
  const uri = m.uri as StringMatch | undefined;
  if (uri?.exact !== undefined) out.pathSpecifier = { case: 'path', value: uri.exact };
  else if (uri?.prefix !== undefined) out.pathSpecifier = { case: 'prefix', value: uri.prefix };
  else if (uri?.regex !== undefined) {
    out.pathSpecifier = { case: 'safeRegex', value: create(RegexMatcherSchema, { regex: uri.regex }) };
  }
  if (m.ignoreUriCase) out.caseSensitive = false;
  for (const [name, hm] of Object.entries(m.headers ?? {})) out.headers.push(headerMatcher(name, hm));
  for (const [name, hm] of Object.entries(m.withoutHeaders ?? {}))
    out.headers.push(headerMatcher(name, hm, true));
  if (m.method) out.headers.push(headerMatcher(':method', m.method));
  if (m.authority) out.headers.push(headerMatcher(':authority', m.authority));
  if (m.scheme) out.headers.push(headerMatcher(':scheme', m.scheme));
  for (const [name, qm] of Object.entries(m.queryParams ?? {})) {
    const sm = stringMatcher(qm);
    out.queryParameters.push(
      create(QueryParameterMatcherSchema, {
        name,
        queryParameterMatchSpecifier: sm
          ? { case: 'stringMatch', value: sm }
          : { case: 'presentMatch', value: true },
      }),
    );
  }
  return out;
}

/** Where a set of routes is being generated: for which caller, which port, which gateway. */
export interface MatchScope {
  proxy: MeshProxy;
  /** The listener/service port, or undefined when the route config spans ports. */
  port: number | undefined;
  /** `mesh` or `ns/name`. */
  gateway: string;
  /** Namespace of the VirtualService, to resolve short gateway names in matches. */
  vsNamespace: string;
}

/** Whether a match can apply to this caller at all (Istio drops the others from the generated config). */
export function appliesTo(
  m: HTTPMatchRequest,
  scope: MatchScope,
  gatewayKeyOf: (g: string) => string,
): boolean {
  if (m.port !== undefined && scope.port !== undefined && m.port !== scope.port) return false;
  if (m.sourceLabels && !labelsMatch(m.sourceLabels, scope.proxy.labels)) return false;
  if (m.sourceNamespace && m.sourceNamespace !== scope.proxy.namespace) return false;
  if (m.gateways && m.gateways.length > 0 && !m.gateways.map(gatewayKeyOf).includes(scope.gateway))
    return false;
  return true;
}
