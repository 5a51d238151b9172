// The state shared by all decoders of one resource: the errors found (with Envoy snake_case field paths), the
// type registry for google.protobuf.Any, and the "is anything set that Trellis does not support" check.
import { readFileSync } from 'node:fs';
import {
  type DescEnum,
  type DescMessage,
  isFieldSet,
  type JsonValue,
  type Message,
  type MessageShape,
  type Registry,
  toJson,
} from '@bufbuild/protobuf';
import { type Any, AnySchema, anyUnpack, type Duration } from '@bufbuild/protobuf/wkt';
import { childPath, type FieldError, fail, ok, type Result } from '../../common/result.js';
import { envoyRegistry, typeNameOfUrl } from './registry.js';

export const NOT_SUPPORTED = 'not supported by Trellis';

export interface DecodeOptions {
  registry?: Registry;
  /** Reads DataSource `filename`s (certificates, keys, bodies); defaults to a synchronous file read. */
  readFile?: (path: string) => string;
}

export class DecodeContext {
  readonly errors: FieldError[] = [];
  readonly warnings: FieldError[] = [];
  readonly registry: Registry;
  readonly readFile: (path: string) => string;

  constructor(options: DecodeOptions = {}) {
    this.registry = options.registry ?? envoyRegistry;
    this.readFile = options.readFile ?? ((p) => readFileSync(p, 'utf8'));
  }

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message, severity: 'warning' });
  }

  /** Wraps a decoded value: an error result when anything was reported while decoding it. */
  result<T>(value: T): Result<T> {
    return this.errors.length > 0 ? fail(this.errors) : ok(value, this.warnings);
  }

  /**
   * Reports every field set on `msg` that is not in `supported` as unsupported, so nothing the proxy cannot
   * honour is silently dropped. Fields with proto3 default values count as unset, as in Envoy.
   */
  onlyFields<Desc extends DescMessage>(
    schema: Desc,
    msg: MessageShape<Desc>,
    path: string,
    supported: readonly string[],
  ): void {
    for (const field of schema.fields) {
      if (supported.includes(field.name)) continue;
      if (isFieldSet(msg, field)) this.error(childPath(path, field.name), NOT_SUPPORTED);
    }
  }

  /** Unpacks an Any against the registry; reports an unknown or unexpected type URL at `path`. */
  unpack(any: Any | undefined, path: string, expected?: readonly DescMessage[]): Message | undefined {
    if (any === undefined || any.typeUrl === '') {
      this.error(path, 'missing typed_config');
      return undefined;
    }
    const typeName = typeNameOfUrl(any.typeUrl);
    if (expected !== undefined && !expected.some((d) => d.typeName === typeName)) {
      const names = expected.map((d) => d.typeName).join(', ');
      this.error(childPath(path, '@type'), `type ${any.typeUrl} ${NOT_SUPPORTED} here (expected ${names})`);
      return undefined;
    }
    try {
      const msg = anyUnpack(any, this.registry);
      if (msg === undefined) this.error(childPath(path, '@type'), `unknown type ${any.typeUrl}`);
      return msg;
    } catch (err) {
      this.error(path, `cannot decode ${typeName}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * An Any as its proto3 JSON with snake_case field names and `@type` (e.g. a filter's typed_config kept
   * for the filter's own decoder); undefined and an error when its type is unknown.
   */
  anyToJson(any: Any | undefined, path: string): JsonValue | undefined {
    if (this.unpack(any, path) === undefined || any === undefined) return undefined;
    try {
      return toJson(AnySchema, any, { registry: this.registry, useProtoFieldName: true });
    } catch (err) {
      this.error(path, (err as Error).message);
      return undefined;
    }
  }

  /** Unpacks an Any that must be exactly `schema`. */
  unpackAs<Desc extends DescMessage>(
    any: Any | undefined,
    path: string,
    schema: Desc,
  ): MessageShape<Desc> | undefined {
    return this.unpack(any, path, [schema]) as MessageShape<Desc> | undefined;
  }
}

/** Duration → milliseconds; `fallback` when unset. */
export function durationMs(d: Duration | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  return Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6);
}

/** Optional duration → milliseconds or undefined. */
export function optionalDurationMs(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : durationMs(d, 0);
}

/** The proto name of an enum value (`ROUND_ROBIN`), or the number when it is not in the enum. */
export function enumName(desc: DescEnum, value: number): string {
  return desc.values.find((v) => v.number === value)?.name ?? String(value);
}

/**
 * Maps an enum value to one of `allowed` names, reporting anything else at `path` as unsupported.
 * Returns `fallback` on error so decoding can continue and collect more errors.
 */
export function supportedEnum<T extends string>(
  ctx: DecodeContext,
  desc: DescEnum,
  value: number,
  path: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const name = enumName(desc, value);
  if ((allowed as readonly string[]).includes(name)) return name as T;
  ctx.error(path, `value ${name} ${NOT_SUPPORTED}`);
  return fallback;
}
