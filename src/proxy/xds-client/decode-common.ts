// Decoders for the small Envoy types shared by listeners, routes and clusters: addresses, string and regex
// matchers (regexes checked with RE2 here, once), header edits, data sources, metadata and percentages.
import RE2 from 're2';
import { childPath } from '../../common/result.js';
import {
  type Address,
  AddressSchema,
  SocketAddressSchema,
} from '../../generated/envoy/config/core/v3/address_pb.js';
import {
  type DataSource,
  DataSourceSchema,
  type HeaderValueOption,
  HeaderValueOption_HeaderAppendActionSchema,
  HeaderValueOptionSchema,
  HeaderValueSchema,
  type Metadata,
  MetadataSchema,
  type RuntimeFractionalPercent,
  RuntimeFractionalPercentSchema,
} from '../../generated/envoy/config/core/v3/base_pb.js';
import {
  type RegexMatchAndSubstitute,
  RegexMatchAndSubstituteSchema,
  type RegexMatcher,
  RegexMatcherSchema,
} from '../../generated/envoy/type/matcher/v3/regex_pb.js';
import { type StringMatcher, StringMatcherSchema } from '../../generated/envoy/type/matcher/v3/string_pb.js';
import {
  type FractionalPercent,
  FractionalPercent_DenominatorType,
  FractionalPercentSchema,
} from '../../generated/envoy/type/v3/percent_pb.js';
import type { SocketAddress } from '../config/cluster.js';
import type {
  AppendAction,
  HeaderValueOption as DomainHeaderValueOption,
  HeaderOps,
  StringMatch,
} from '../config/route.js';
import { type DecodeContext, enumName, NOT_SUPPORTED } from './decode-context.js';

/** A socket address (IP or DNS name and TCP port); pipes and internal addresses are not supported. */
export function decodeAddress(ctx: DecodeContext, a: Address | undefined, path: string): SocketAddress {
  if (a === undefined || a.address.case === undefined) {
    ctx.error(path, 'required');
    return { host: '', port: 0 };
  }
  if (a.address.case !== 'socketAddress') {
    ctx.error(childPath(path, a.address.case === 'pipe' ? 'pipe' : 'envoy_internal_address'), NOT_SUPPORTED);
    return { host: '', port: 0 };
  }
  const sa = a.address.value;
  const p = childPath(path, 'socket_address');
  ctx.onlyFields(AddressSchema, a, path, ['socket_address']);
  ctx.onlyFields(SocketAddressSchema, sa, p, ['address', 'port_value', 'ipv4_compat', 'protocol']);
  if (sa.protocol !== 0) ctx.error(childPath(p, 'protocol'), `UDP ${NOT_SUPPORTED}`);
  if (sa.address === '') ctx.error(childPath(p, 'address'), 'required');
  if (sa.portSpecifier.case === 'namedPort') ctx.error(childPath(p, 'named_port'), NOT_SUPPORTED);
  const port = sa.portSpecifier.case === 'portValue' ? sa.portSpecifier.value : 0;
  if (port > 65535) ctx.error(childPath(p, 'port_value'), `port ${port} is out of range 0..65535`);
  return { host: sa.address, port };
}

/** Compiles the pattern with RE2 (Envoy's regex engine) so a bad pattern is rejected with the config. */
export function checkRegex(ctx: DecodeContext, pattern: string, path: string): void {
  if (pattern === '') {
    ctx.error(path, 'required');
    return;
  }
  try {
    new RE2(pattern, 'u');
  } catch (err) {
    // node-re2 reports the pattern with its slashes escaped; show it as written.
    ctx.error(path, `invalid RE2 pattern: ${(err as Error).message.replaceAll('\\/', '/')}`);
  }
}

export function decodeRegexMatcher(ctx: DecodeContext, m: RegexMatcher, path: string): string {
  // google_re2 only carries deprecated program-size limits; RE2 is the only engine either way.
  ctx.onlyFields(RegexMatcherSchema, m, path, ['regex', 'google_re2']);
  checkRegex(ctx, m.regex, childPath(path, 'regex'));
  return m.regex;
}

export function decodeRegexRewrite(
  ctx: DecodeContext,
  m: RegexMatchAndSubstitute,
  path: string,
): { pattern: string; substitution: string } {
  ctx.onlyFields(RegexMatchAndSubstituteSchema, m, path, ['pattern', 'substitution']);
  if (m.pattern === undefined) ctx.error(childPath(path, 'pattern'), 'required');
  const pattern = m.pattern ? decodeRegexMatcher(ctx, m.pattern, childPath(path, 'pattern')) : '';
  return { pattern, substitution: m.substitution };
}

export function decodeStringMatcher(ctx: DecodeContext, m: StringMatcher, path: string): StringMatch {
  ctx.onlyFields(StringMatcherSchema, m, path, [
    'exact',
    'prefix',
    'suffix',
    'contains',
    'safe_regex',
    'ignore_case',
  ]);
  const ignoreCase = m.ignoreCase;
  switch (m.matchPattern.case) {
    case 'exact':
      return { kind: 'exact', value: m.matchPattern.value, ignoreCase };
    case 'prefix':
      return { kind: 'prefix', value: m.matchPattern.value, ignoreCase };
    case 'suffix':
      return { kind: 'suffix', value: m.matchPattern.value, ignoreCase };
    case 'contains':
      return { kind: 'contains', value: m.matchPattern.value, ignoreCase };
    case 'safeRegex':
      if (ignoreCase) ctx.error(childPath(path, 'ignore_case'), 'ignore_case does not apply to safe_regex');
      return {
        kind: 'regex',
        pattern: decodeRegexMatcher(ctx, m.matchPattern.value, childPath(path, 'safe_regex')),
      };
    case 'custom':
      ctx.error(childPath(path, 'custom'), NOT_SUPPORTED);
      return { kind: 'exact', value: '', ignoreCase };
    default:
      ctx.error(path, 'one of exact, prefix, suffix, contains or safe_regex is required');
      return { kind: 'exact', value: '', ignoreCase };
  }
}

const appendActions: readonly AppendAction[] = [
  'APPEND_IF_EXISTS_OR_ADD',
  'ADD_IF_ABSENT',
  'OVERWRITE_IF_EXISTS_OR_ADD',
  'OVERWRITE_IF_EXISTS',
];

export function decodeHeaderValueOption(
  ctx: DecodeContext,
  o: HeaderValueOption,
  path: string,
): DomainHeaderValueOption {
  ctx.onlyFields(HeaderValueOptionSchema, o, path, ['header', 'append', 'append_action', 'keep_empty_value']);
  const hp = childPath(path, 'header');
  if (o.header === undefined) ctx.error(hp, 'required');
  else ctx.onlyFields(HeaderValueSchema, o.header, hp, ['key', 'value', 'raw_value']);
  const key = o.header?.key.toLowerCase() ?? '';
  if (o.header !== undefined && key === '') ctx.error(childPath(hp, 'key'), 'required');
  else if (isProtectedHeader(key))
    ctx.error(childPath(hp, 'key'), `"${key}" may not be modified (Envoy rejects it too)`);
  const value =
    o.header && o.header.rawValue.length > 0
      ? Buffer.from(o.header.rawValue).toString('latin1')
      : (o.header?.value ?? '');
  // Envoy's HTTP_HEADER_VALUE rule: a NUL, CR or LF would end the header early (header injection).
  if (/[\0\r\n]/.test(value))
    ctx.error(childPath(hp, 'value'), 'contains NUL, CR or LF (Envoy rejects it too)');
  let action = appendActions[o.appendAction] ?? 'APPEND_IF_EXISTS_OR_ADD';
  if (!appendActions[o.appendAction]) {
    ctx.error(
      childPath(path, 'append_action'),
      `value ${enumName(HeaderValueOption_HeaderAppendActionSchema, o.appendAction)} ${NOT_SUPPORTED}`,
    );
  }
  if (o.append !== undefined) {
    if (o.appendAction !== 0)
      ctx.error(childPath(path, 'append'), 'append and append_action are mutually exclusive');
    action = o.append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
  }
  return { key, value, action, keepEmptyValue: o.keepEmptyValue };
}

/** The four header-edit lists that route configs, virtual hosts, routes and weighted clusters share. */
export interface HeaderEditFields {
  requestHeadersToAdd: HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
}

/** Pseudo-headers and Host carry the request's routing identity; Envoy refuses edits to them. */
function isProtectedHeader(name: string): boolean {
  return name.startsWith(':') || name === 'host';
}

export function decodeHeaderOps(ctx: DecodeContext, m: HeaderEditFields, path: string): HeaderOps {
  return {
    requestAdd: m.requestHeadersToAdd.map((o, i) =>
      decodeHeaderValueOption(ctx, o, childPath(childPath(path, 'request_headers_to_add'), i)),
    ),
    requestRemove: m.requestHeadersToRemove.map((h, i) => {
      const name = h.toLowerCase();
      if (isProtectedHeader(name)) {
        ctx.error(childPath(childPath(path, 'request_headers_to_remove'), i), `"${name}" may not be removed`);
      }
      return name;
    }),
    responseAdd: m.responseHeadersToAdd.map((o, i) =>
      decodeHeaderValueOption(ctx, o, childPath(childPath(path, 'response_headers_to_add'), i)),
    ),
    responseRemove: m.responseHeadersToRemove.map((h) => h.toLowerCase()),
  };
}

/** A DataSource's text: inline, or a file read now (Envoy reads files when the config is loaded). */
export function decodeDataSource(
  ctx: DecodeContext,
  d: DataSource | undefined,
  path: string,
): string | undefined {
  if (d === undefined) return undefined;
  ctx.onlyFields(DataSourceSchema, d, path, ['filename', 'inline_bytes', 'inline_string']);
  switch (d.specifier.case) {
    case 'inlineString':
      return d.specifier.value;
    case 'inlineBytes':
      return Buffer.from(d.specifier.value).toString('utf8');
    case 'filename':
      try {
        return ctx.readFile(d.specifier.value);
      } catch (err) {
        ctx.error(childPath(path, 'filename'), `cannot read ${d.specifier.value}: ${(err as Error).message}`);
        return undefined;
      }
    case 'environmentVariable':
      ctx.error(childPath(path, 'environment_variable'), NOT_SUPPORTED);
      return undefined;
    default:
      ctx.error(path, 'one of filename, inline_bytes or inline_string is required');
      return undefined;
  }
}

/** Filter metadata as plain JSON; typed metadata is not supported. */
export function decodeMetadata(
  ctx: DecodeContext,
  m: Metadata | undefined,
  path: string,
): Record<string, Record<string, unknown>> {
  if (m === undefined) return {};
  ctx.onlyFields(MetadataSchema, m, path, ['filter_metadata']);
  return { ...m.filterMetadata };
}

/** A FractionalPercent as a fraction 0..1. */
export function decodeFractionalPercent(
  ctx: DecodeContext,
  p: FractionalPercent | undefined,
  path: string,
): number {
  if (p === undefined) return 0;
  ctx.onlyFields(FractionalPercentSchema, p, path, ['numerator', 'denominator']);
  const denominator =
    p.denominator === FractionalPercent_DenominatorType.TEN_THOUSAND
      ? 10_000
      : p.denominator === FractionalPercent_DenominatorType.MILLION
        ? 1_000_000
        : 100;
  return Math.min(1, p.numerator / denominator);
}

/** A RuntimeFractionalPercent's default value as a fraction 0..1 (Trellis has no runtime layer: the key is kept only for display). */
export function decodeRuntimeFraction(
  ctx: DecodeContext,
  r: RuntimeFractionalPercent | undefined,
  path: string,
): number | undefined {
  if (r === undefined) return undefined;
  ctx.onlyFields(RuntimeFractionalPercentSchema, r, path, ['default_value', 'runtime_key']);
  if (r.defaultValue === undefined) {
    ctx.error(childPath(path, 'default_value'), 'required');
    return 1;
  }
  return decodeFractionalPercent(ctx, r.defaultValue, childPath(path, 'default_value'));
}
