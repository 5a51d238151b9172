// Scalar schemas of the DSL: strings, booleans, numbers, ports, enums, durations and RE2 regexes.
import RE2 from 're2';
import { parseDuration } from '../common/duration.js';
import { type Ctx, describe, Schema, typeError } from './schema.js';
import { didYouMean } from './suggest.js';

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
