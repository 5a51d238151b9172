// A small declarative schema DSL: each schema checks raw YAML/JSON, reports field-path errors, returns typed values.
import RE2 from 're2';
import { parseDuration } from '../common/duration.js';
import { joinPath, toCamel } from './path.js';
import { didYouMean } from './suggest.js';

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

function typeError(ctx: Ctx, path: string, expected: string, got: unknown): undefined {
  ctx.error(path, `expected ${expected}, got ${describe(got)}`, 'type');
  return undefined;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(opts: { nonEmpty?: boolean } = {}): Schema<string> {
  return new Schema('a string', (v, ctx, path) => {
    if (typeof v !== 'string') return typeError(ctx, path, 'a string', v);
    if (opts.nonEmpty && v === '') {
      ctx.error(path, 'must not be empty', 'empty');
      return undefined;
    }
    return v;
  });
}

export function bool(): Schema<boolean> {
  return new Schema('true or false', (v, ctx, path) =>
    typeof v === 'boolean' ? v : typeError(ctx, path, 'true or false', v),
  );
}

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  // protobuf's JSON mapping also accepts numbers written as strings ("80").
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

function range(ctx: Ctx, path: string, n: number, min?: number, max?: number): boolean {
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    const span =
      min !== undefined && max !== undefined
        ? `between ${min} and ${max}`
        : min !== undefined
          ? `at least ${min}`
          : `at most ${max}`;
    ctx.error(path, `must be ${span} (got ${n})`, 'range');
    return false;
  }
  return true;
}

export function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  return new Schema('an integer', (v, ctx, path) => {
    const n = numeric(v);
    if (n === undefined || !Number.isInteger(n)) return typeError(ctx, path, 'an integer', v);
    return range(ctx, path, n, opts.min, opts.max) ? n : undefined;
  });
}

export function num(opts: { min?: number; max?: number } = {}): Schema<number> {
  return new Schema('a number', (v, ctx, path) => {
    const n = numeric(v);
    if (n === undefined || !Number.isFinite(n)) return typeError(ctx, path, 'a number', v);
    return range(ctx, path, n, opts.min, opts.max) ? n : undefined;
  });
}

/** A TCP/UDP port number, 1–65535 (0 allowed where Istio means "unset"). */
export function port(opts: { allowZero?: boolean } = {}): Schema<number> {
  return int({ min: opts.allowZero ? 0 : 1, max: 65535 });
}

export function enumOf<const V extends string>(values: readonly V[]): Schema<V> {
  const expected = `one of ${values.join(', ')}`;
  return new Schema(expected, (v, ctx, path) => {
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as V;
    if (typeof v !== 'string') return typeError(ctx, path, expected, v);
    ctx.error(path, `must be ${expected} (got "${v}")${didYouMean(v, values)}`, 'enum');
    return undefined;
  });
}

/** A duration string such as "5s", "1.5s", "100ms" or "1h"; `minMs` is the smallest value accepted. */
export function duration(opts: { minMs?: number } = {}): Schema<string> {
  return new Schema('a duration', (v, ctx, path) => {
    if (typeof v !== 'string') {
      const hint = typeof v === 'number' ? ` (add a unit: "${v}s")` : '';
      ctx.error(path, `expected a duration such as "5s", got ${describe(v)}${hint}`, 'duration');
      return undefined;
    }
    const d = parseDuration(v);
    if (!d.ok) {
      ctx.error(path, d.message, 'duration');
      return undefined;
    }
    if (opts.minMs !== undefined && d.ms < opts.minMs) {
      ctx.error(path, `duration must be at least ${opts.minMs}ms (got "${v}")`, 'duration');
      return undefined;
    }
    return v;
  });
}

/** A regular expression in RE2 syntax (what Envoy and Istio accept): no lookaround, no backreferences. */
export function regex(): Schema<string> {
  return str().check((v, ctx, path) => {
    const err = re2Error(v);
    if (err) ctx.error(path, `invalid RE2 regex ${JSON.stringify(v)}: ${err}`, 'regex');
  });
}

export function re2Error(pattern: string): string | undefined {
  try {
    new RE2(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
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
