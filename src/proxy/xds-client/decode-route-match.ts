// Decodes Envoy's RouteMatch, HeaderMatcher and QueryParameterMatcher into the router's match types.
import { childPath } from '../../common/result.js';
import {
  type HeaderMatcher,
  HeaderMatcherSchema,
  type QueryParameterMatcher,
  QueryParameterMatcherSchema,
  type RouteMatch,
  RouteMatchSchema,
} from '../../generated/envoy/config/route/v3/route_components_pb.js';
import type {
  RouteMatch as DomainRouteMatch,
  HeaderMatch,
  PathMatch,
  QueryParameterMatch,
} from '../config/route.js';
import { decodeRegexMatcher, decodeRuntimeFraction, decodeStringMatcher } from './decode-common.js';
import { type DecodeContext, NOT_SUPPORTED } from './decode-context.js';

export function decodeHeaderMatcher(ctx: DecodeContext, h: HeaderMatcher, path: string): HeaderMatch {
  ctx.onlyFields(HeaderMatcherSchema, h, path, [
    'name',
    'exact_match',
    'safe_regex_match',
    'range_match',
    'present_match',
    'prefix_match',
    'suffix_match',
    'contains_match',
    'string_match',
    'invert_match',
    'treat_missing_header_as_empty',
  ]);
  if (h.name === '') ctx.error(childPath(path, 'name'), 'required');
  const spec = h.headerMatchSpecifier;
  let match: HeaderMatch['match'];
  switch (spec.case) {
    case 'exactMatch':
      match = { kind: 'string', string: { kind: 'exact', value: spec.value, ignoreCase: false } };
      break;
    case 'prefixMatch':
      match = { kind: 'string', string: { kind: 'prefix', value: spec.value, ignoreCase: false } };
      break;
    case 'suffixMatch':
      match = { kind: 'string', string: { kind: 'suffix', value: spec.value, ignoreCase: false } };
      break;
    case 'containsMatch':
      match = { kind: 'string', string: { kind: 'contains', value: spec.value, ignoreCase: false } };
      break;
    case 'safeRegexMatch':
      match = {
        kind: 'string',
        string: {
          kind: 'regex',
          pattern: decodeRegexMatcher(ctx, spec.value, childPath(path, 'safe_regex_match')),
        },
      };
      break;
    case 'stringMatch':
      match = {
        kind: 'string',
        string: decodeStringMatcher(ctx, spec.value, childPath(path, 'string_match')),
      };
      break;
    case 'rangeMatch':
      if (spec.value.start >= spec.value.end)
        ctx.error(childPath(path, 'range_match'), 'start must be less than end');
      match = { kind: 'range', start: Number(spec.value.start), end: Number(spec.value.end) };
      break;
    case 'presentMatch':
      match = { kind: 'present', present: spec.value };
      break;
    default:
      // No specifier: Envoy matches on the header's presence.
      match = { kind: 'present', present: true };
  }
  return {
    name: h.name.toLowerCase(),
    match,
    invert: h.invertMatch,
    treatMissingAsEmpty: h.treatMissingHeaderAsEmpty,
  };
}

function decodeQueryParameterMatcher(
  ctx: DecodeContext,
  q: QueryParameterMatcher,
  path: string,
): QueryParameterMatch {
  ctx.onlyFields(QueryParameterMatcherSchema, q, path, ['name', 'string_match', 'present_match']);
  if (q.name === '') ctx.error(childPath(path, 'name'), 'required');
  const spec = q.queryParameterMatchSpecifier;
  if (spec.case === 'stringMatch') {
    return {
      name: q.name,
      match: {
        kind: 'string',
        string: decodeStringMatcher(ctx, spec.value, childPath(path, 'string_match')),
      },
    };
  }
  if (spec.case === 'presentMatch' && !spec.value) {
    ctx.error(childPath(path, 'present_match'), 'present_match: false is not supported by Envoy or Trellis');
  }
  return { name: q.name, match: { kind: 'present' } };
}

function decodePathMatch(ctx: DecodeContext, m: RouteMatch, path: string): PathMatch {
  const spec = m.pathSpecifier;
  switch (spec.case) {
    case 'prefix':
      return { kind: 'prefix', value: spec.value };
    case 'path':
      return { kind: 'path', value: spec.value };
    case 'safeRegex':
      return { kind: 'regex', pattern: decodeRegexMatcher(ctx, spec.value, childPath(path, 'safe_regex')) };
    case 'pathSeparatedPrefix':
      if (!/^[^?#]+[^?#/]$/.test(spec.value)) {
        ctx.error(childPath(path, 'path_separated_prefix'), 'must not end with "/" or contain "?" or "#"');
      }
      return { kind: 'separatedPrefix', value: spec.value };
    case 'connectMatcher':
      ctx.error(childPath(path, 'connect_matcher'), NOT_SUPPORTED);
      return { kind: 'prefix', value: '/' };
    case 'pathMatchPolicy':
      ctx.error(childPath(path, 'path_match_policy'), NOT_SUPPORTED);
      return { kind: 'prefix', value: '/' };
    default:
      ctx.error(path, 'one of prefix, path, safe_regex or path_separated_prefix is required');
      return { kind: 'prefix', value: '/' };
  }
}

export function decodeRouteMatch(ctx: DecodeContext, m: RouteMatch, path: string): DomainRouteMatch {
  ctx.onlyFields(RouteMatchSchema, m, path, [
    'prefix',
    'path',
    'safe_regex',
    'connect_matcher',
    'path_separated_prefix',
    'path_match_policy',
    'case_sensitive',
    'runtime_fraction',
    'headers',
    'query_parameters',
    'grpc',
  ]);
  const match: DomainRouteMatch = {
    path: decodePathMatch(ctx, m, path),
    caseSensitive: m.caseSensitive ?? true,
    headers: m.headers.map((h, i) => decodeHeaderMatcher(ctx, h, childPath(childPath(path, 'headers'), i))),
    queryParameters: m.queryParameters.map((q, i) =>
      decodeQueryParameterMatcher(ctx, q, childPath(childPath(path, 'query_parameters'), i)),
    ),
    grpc: m.grpc !== undefined,
  };
  const fraction = decodeRuntimeFraction(ctx, m.runtimeFraction, childPath(path, 'runtime_fraction'));
  if (fraction !== undefined) match.fraction = fraction;
  return match;
}
