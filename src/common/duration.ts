// Durations as Istio, Envoy and Argo write them ("5s", "1.5s", "100ms", "1h30m"): parsing, checks, printing.

/** Milliseconds in one of each unit Go's time.ParseDuration accepts (what Istio and Argo accept in YAML). */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export type DurationParse = { ok: true; ms: number } | { ok: false; message: string };

/**
 * Parses a duration string into milliseconds (fractions kept, e.g. "1.5ms" → 1.5).
 * Accepts a sequence of number+unit parts ("1h30m", "1.5s", "100ms"); a bare "0" is zero.
 * Negative durations are rejected: no Istio or Argo field takes one.
 */
export function parseDuration(text: string): DurationParse {
  const s = text.trim();
  if (s === '')
    return { ok: false, message: 'a duration must not be empty (write e.g. "5s", "100ms", "1h")' };
  if (s === '0') return { ok: true, ms: 0 };
  if (s.startsWith('-')) return { ok: false, message: `a duration must not be negative (got "${text}")` };
  let ms = 0;
  PART.lastIndex = s.startsWith('+') ? 1 : 0;
  let parts = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m) {
      const rest = s.slice(at);
      const hint = /^\d+(\.\d+)?$/.test(rest) ? ' (missing a unit: ns, us, ms, s, m or h)' : '';
      return {
        ok: false,
        message: `invalid duration "${text}"${hint}; write e.g. "5s", "1.5s", "100ms", "1h"`,
      };
    }
    ms += Number(m[1]) * UNIT_MS[m[2]];
    parts++;
  }
  if (parts === 0) return { ok: false, message: `invalid duration "${text}"` };
  return { ok: true, ms };
}

/** Milliseconds of a duration known to be valid (validated resources hold only valid ones); throws otherwise. */
export function durationMs(text: string): number {
  const r = parseDuration(text);
  if (!r.ok) throw new Error(r.message);
  return r.ms;
}

/** Seconds of a duration, for fields Argo writes either as "5m" or as a bare number of seconds. */
export function durationOrSecondsMs(value: string | number): number {
  return typeof value === 'number' ? value * 1000 : durationMs(value);
}

/** Prints milliseconds the way Go prints a duration: "1h30m0s", "1.5s", "100ms", "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${trim(ms * 1000)}µs`;
  if (ms < 1000) return `${trim(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${trim(s)}s`;
  if (m > 0) return `${m}m${trim(s)}s`;
  return `${trim(s)}s`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(6)));
}
