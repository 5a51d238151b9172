// Turns a filter's typed_config JSON (as the xDS decoder keeps it in HttpFilter.config or a route's
// perFilterConfig: proto3 JSON, snake_case names, `@type`) back into its typed message for decoding, and
// Envoy's FractionalPercent as an exact numerator/denominator pair. Shared by the fault and local rate
// limit filters.
import { type DescMessage, fromJson, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { childPath } from '../../../../common/result.js';
import {
  type FractionalPercent,
  FractionalPercent_DenominatorType,
} from '../../../../generated/envoy/type/v3/percent_pb.js';
import { type DecodeContext, NOT_SUPPORTED } from '../../../xds-client/decode-context.js';
import { envoyRegistry, typeNameOfUrl } from '../../../xds-client/registry.js';

/** A fraction as Envoy evaluates it: a draw in [0, denominator) below numerator hits. */
export interface Fraction {
  numerator: number;
  denominator: 100 | 10_000 | 1_000_000;
}

export const NEVER: Fraction = { numerator: 0, denominator: 100 };
export const ALWAYS: Fraction = { numerator: 100, denominator: 100 };

export function decodeFraction(ctx: DecodeContext, p: FractionalPercent | undefined, path: string): Fraction {
  if (p === undefined) return NEVER;
  const denominator =
    p.denominator === FractionalPercent_DenominatorType.TEN_THOUSAND
      ? 10_000
      : p.denominator === FractionalPercent_DenominatorType.MILLION
        ? 1_000_000
        : 100;
  if (p.denominator > FractionalPercent_DenominatorType.MILLION)
    ctx.error(childPath(path, 'denominator'), `unknown denominator ${p.denominator}`);
  return { numerator: p.numerator, denominator };
}

/** Envoy's fractional-percent check with one draw of the given random integer source. */
export function fractionHits(f: Fraction, drawBelow: (n: number) => number): boolean {
  if (f.numerator <= 0) return false;
  if (f.numerator >= f.denominator) return true;
  return drawBelow(f.denominator) < f.numerator;
}

/**
 * Parses `json` (with or without `@type`) as `schema`; reports a wrong `@type` or a parse error at `path`.
 * Field paths of later errors use Envoy's snake_case names, as in the rest of the xDS decoder.
 */
export function messageFromTypedJson<Desc extends DescMessage>(
  ctx: DecodeContext,
  json: unknown,
  schema: Desc,
  path: string,
): MessageShape<Desc> | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    ctx.error(path, `expected a ${schema.typeName} object`);
    return undefined;
  }
  const { '@type': typeUrl, ...rest } = json as Record<string, unknown>;
  if (typeUrl !== undefined && (typeof typeUrl !== 'string' || typeNameOfUrl(typeUrl) !== schema.typeName)) {
    ctx.error(
      childPath(path, '@type'),
      `type ${String(typeUrl)} ${NOT_SUPPORTED} here (expected ${schema.typeName})`,
    );
    return undefined;
  }
  try {
    return fromJson(schema, rest as JsonValue, { registry: envoyRegistry });
  } catch (err) {
    ctx.error(path, `cannot decode ${schema.typeName}: ${(err as Error).message}`);
    return undefined;
  }
}
