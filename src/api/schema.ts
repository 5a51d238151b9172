// A small declarative schema DSL: each schema checks raw YAML/JSON, reports field-path errors, returns typed values.
import { joinPath, toCamel } from './path.js';
import { didYouMean } from './suggest.js';

export * from './schema-scalars.js';

export interface Issue {
  severity: 'error' | 'warning';
  path: string;
  message: string;
  code?: string;
}

/** Collects the findings of one validation run. */
export class Ctx {
  readonly issues: Issue[] = [];
  errorCount = 0;
  error(path: string, message: string, code?: string): void {
    this.errorCount++;
    this.issues.push({ severity: 'error', path, message, ...(code ? { code } : {}) });
  }
  warn(path: string, message: string, code?: string): void {
    this.issues.push({ severity: 'warning', path, message, ...(code ? { code } : {}) });
  }
}

type Parser<T> = (input: unknown, ctx: Ctx, path: string) => T | undefined;
export type Check<T> = (value: T, ctx: Ctx, path: string) => void;

interface Flags<T> {
  required?: boolean;
  defaultValue?: () => T;
  deprecated?: string;
}

/**
 * A schema for values of type T. `R` records (in the type only) whether an object field using it is always
 * present after parsing (required or defaulted), so object types infer optional and required keys.
 * Parsing returns undefined when the value is invalid; the reason is already in the Ctx.
 */
export class Schema<T, R extends boolean = false> {
  declare readonly _present: R;
  constructor(
    readonly expected: string,
    readonly parser: Parser<T>,
    readonly flags: Flags<T> = {},
    /** The field names of an object schema (or of a list's items), for hints about misplaced fields. */
    readonly fieldNames?: readonly string[],
  ) {}
  parse(input: unknown, ctx: Ctx, path: string): T | undefined {
    return this.parser(input, ctx, path);
  }
  required(): Schema<T, true> {
    return new Schema<T, true>(
      this.expected,
      this.parser,
      { ...this.flags, required: true },
      this.fieldNames,
    );
  }
  /** The value used when the field is absent (Istio's default); the field is then always present. */
  default(value: T): Schema<T, true> {
    return new Schema<T, true>(
      this.expected,
      this.parser,
      { ...this.flags, defaultValue: () => value },
      this.fieldNames,
    );
  }
  /** Extra checks on a value that parsed; they report through ctx. */
  check(fn: Check<T>): Schema<T, R> {
    const inner = this.parser;
    return new Schema<T, R>(
      this.expected,
      (input, ctx, path) => {
        const v = inner(input, ctx, path);
        if (v !== undefined) fn(v, ctx, path);
        return v;
      },
      this.flags,
      this.fieldNames,
    );
  }
  /** Accepted, with a warning naming the replacement. */
  deprecated(message: string): Schema<T, R> {
    return new Schema<T, R>(
      this.expected,
      this.parser,
      { ...this.flags, deprecated: message },
      this.fieldNames,
    );
  }
}

export type Infer<S> = S extends Schema<infer T, boolean> ? T : never;
// biome-ignore lint/suspicious/noExplicitAny: variance-free constraint for heterogeneous field maps
export type Shape = Record<string, Schema<any, boolean>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjOf<F extends Shape> = Simplify<
  { [K in keyof F as F[K] extends Schema<unknown, true> ? K : never]: Infer<F[K]> } & {
    [K in keyof F as F[K] extends Schema<unknown, true> ? never : K]?: Infer<F[K]>;
  }
>;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

export function typeError(ctx: Ctx, path: string, expected: string, got: unknown): undefined {
  ctx.error(path, `expected ${expected}, got ${describe(got)}`, 'type');
  return undefined;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function arr<T>(item: Schema<T, boolean>, opts: { minItems?: number } = {}): Schema<T[]> {
  const parser: Parser<T[]> = (v, ctx, path) => {
    if (!Array.isArray(v)) return typeError(ctx, path, 'a list', v);
    if (opts.minItems !== undefined && v.length < opts.minItems) {
      ctx.error(
        path,
        `must have at least ${opts.minItems} item${opts.minItems === 1 ? '' : 's'}`,
        'min-items',
      );
    }
    const before = ctx.errorCount;
    const out: T[] = [];
    v.forEach((el, i) => {
      const p = joinPath(path, i);
      if (el === null || el === undefined) {
        ctx.error(p, `expected ${item.expected}, got null`, 'type');
        return;
      }
      const r = item.parse(el, ctx, p);
      if (r !== undefined) out.push(r);
    });
    // A list with a bad item is not handed on: checks over the whole list would see a partial one.
    return ctx.errorCount > before ? undefined : out;
  };
  return new Schema('a list', parser, {}, item.fieldNames);
}

/** An object with free-form keys (labels, header maps); `key` checks each key. */
export function map<T>(
  value: Schema<T, boolean>,
  opts: { key?: (key: string, ctx: Ctx, path: string) => void } = {},
): Schema<Record<string, T>> {
  return new Schema(`a map of ${value.expected}`, (v, ctx, path) => {
    if (!isPlainObject(v)) return typeError(ctx, path, `a map of ${value.expected}`, v);
    const before = ctx.errorCount;
    const out: Record<string, T> = {};
    for (const [k, el] of Object.entries(v)) {
      const p = joinPath(path, k);
      opts.key?.(k, ctx, p);
      const r = value.parse(el, ctx, p);
      if (r !== undefined) out[k] = r;
    }
    return ctx.errorCount > before ? undefined : out;
  });
}

/** Any value, unchecked (free-form structs such as a pod template), kept as written. */
export function anything(expected = 'any value'): Schema<unknown> {
  return new Schema(expected, (v) => v);
}

/** The first schema whose `accepts` test passes parses the value (e.g. int-or-string). */
export function either<A, B>(
  a: Schema<A, boolean>,
  acceptsA: (v: unknown) => boolean,
  b: Schema<B, boolean>,
): Schema<A | B> {
  const expected = `${a.expected} or ${b.expected}`;
  return new Schema(expected, (v, ctx, path) =>
    acceptsA(v) ? a.parse(v, ctx, path) : b.parse(v, ctx, path),
  );
}

export function lazy<T>(get: () => Schema<T, boolean>, expected = 'an object'): Schema<T> {
  return new Schema(expected, (v, ctx, path) => get().parse(v, ctx, path));
}

export interface ObjOptions<O> {
  /** Groups of fields of which exactly one must be set (a protobuf oneof that is required). */
  exactlyOne?: string[][];
  /** Groups of fields of which at most one may be set (a protobuf oneof). */
  atMostOne?: string[][];
  /** Cross-field checks, run when the object parsed. */
  check?: Check<O>;
  /** Keys accepted and dropped without a finding (e.g. Kubernetes `status`). */
  ignore?: string[];
  expected?: string;
}

/** An object with known fields. Unknown fields are errors with a hint; snake_case keys become camelCase. */
export function obj<F extends Shape>(fields: F, opts: ObjOptions<ObjOf<F>> = {}): Schema<ObjOf<F>> {
  const expected = opts.expected ?? 'an object';
  const known = Object.keys(fields);
  const parser: Parser<ObjOf<F>> = (v, ctx, path) => {
    if (!isPlainObject(v)) return typeError(ctx, path, expected, v);
    const before = ctx.errorCount;
    const out: Record<string, unknown> = {};
    const seen = new Map<string, string>();
    for (const [rawKey, el] of Object.entries(v)) {
      const key = rawKey in fields ? rawKey : toCamel(rawKey);
      const p = joinPath(path, key);
      if (!(key in fields)) {
        if (opts.ignore?.includes(rawKey)) continue;
        ctx.error(p, `unknown field "${rawKey}"${unknownFieldHint(rawKey, fields)}`, 'unknown-field');
        continue;
      }
      const other = seen.get(key);
      if (other !== undefined) {
        ctx.error(p, `"${rawKey}" and "${other}" are the same field; set it once`, 'duplicate-field');
        continue;
      }
      seen.set(key, rawKey);
      if (el === null || el === undefined) continue; // YAML `field:` with no value means unset, as in Istio
      const schema = fields[key];
      if (schema.flags.deprecated) ctx.warn(p, `deprecated: ${schema.flags.deprecated}`, 'deprecated');
      const r = schema.parse(el, ctx, p);
      if (r !== undefined) out[key] = r;
    }
    for (const key of known) {
      const schema = fields[key];
      const raw = seen.get(key);
      if (key in out || (raw !== undefined && v[raw] !== null && v[raw] !== undefined)) continue;
      if (schema.flags.required) ctx.error(joinPath(path, key), 'required field is missing', 'required');
      else if (schema.flags.defaultValue) out[key] = schema.flags.defaultValue();
    }
    const isSet = (k: string) => seen.has(k) && v[seen.get(k) as string] !== null;
    for (const group of opts.exactlyOne ?? []) {
      const set = group.filter(isSet);
      if (set.length !== 1) {
        const got = set.length === 0 ? 'none is set' : `got ${set.join(' and ')}`;
        ctx.error(path, `exactly one of ${group.join(', ')} must be set (${got})`, 'oneof');
      }
    }
    for (const group of opts.atMostOne ?? []) {
      const set = group.filter(isSet);
      if (set.length > 1) {
        ctx.error(path, `only one of ${group.join(', ')} may be set (got ${set.join(' and ')})`, 'oneof');
      }
    }
    // An object with an error inside is not handed on: cross-field checks would see missing or wrong fields.
    if (ctx.errorCount > before) return undefined;
    const result = out as ObjOf<F>;
    opts.check?.(result, ctx, path);
    return ctx.errorCount > before ? undefined : result;
  };
  return new Schema(expected, parser, {}, known);
}

/** ` (did you mean "x"?)` for a near miss, or ` (it belongs under "source")` when a child object has the field. */
function unknownFieldHint(key: string, fields: Shape): string {
  const near = didYouMean(key, Object.keys(fields));
  if (near) return near;
  const camel = toCamel(key);
  const owner = Object.entries(fields).find(([, s]) => s.fieldNames?.includes(camel));
  return owner ? ` (it belongs under "${owner[0]}")` : '';
}
