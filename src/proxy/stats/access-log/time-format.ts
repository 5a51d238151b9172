// %START_TIME% formatting: Envoy's default (ISO-8601 UTC with milliseconds and `Z`) and the strftime subset
// Envoy users write in %START_TIME(...)%, compiled once into a function of epoch milliseconds (always UTC).

export type TimeFormatter = (epochMs: number) => string;

/** Envoy's default: `2026-11-25T14:17:29.123Z` (the same as Date#toISOString for years 0–9999). */
export const formatIsoMillis: TimeFormatter = (ms) => new Date(ms).toISOString();

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

type Piece = string | ((d: Date, ms: number) => string);

/** The fractional second with `digits` digits (milliseconds are all we have; the rest is zeros). */
function fraction(ms: number, digits: number): string {
  const frac = pad(((ms % 1000) + 1000) % 1000, 3) + '000000';
  return frac.slice(0, digits);
}

const SPECIFIERS: Record<string, (d: Date, ms: number) => string> = {
  Y: (d) => String(d.getUTCFullYear()),
  y: (d) => pad(d.getUTCFullYear() % 100, 2),
  m: (d) => pad(d.getUTCMonth() + 1, 2),
  d: (d) => pad(d.getUTCDate(), 2),
  e: (d) => String(d.getUTCDate()).padStart(2, ' '),
  H: (d) => pad(d.getUTCHours(), 2),
  M: (d) => pad(d.getUTCMinutes(), 2),
  S: (d) => pad(d.getUTCSeconds(), 2),
  j: (d) => pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1, 3),
  s: (_d, ms) => String(Math.floor(ms / 1000)),
  z: () => '+0000',
  Z: () => 'UTC',
  T: (d) => `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`,
  F: (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`,
  f: (_d, ms) => fraction(ms, 9),
  '%': () => '%',
};

/**
 * Compiles a strftime-style pattern. Besides the usual %Y %m %d %H %M %S %j %s %z %Z %T %F, Envoy's
 * `%E<n>S` (seconds with n fractional digits), `%f` (9 fractional digits) and `%<n>f` (n digits).
 */
export function compileTimeFormat(pattern: string): TimeFormatter {
  if (pattern === '') return formatIsoMillis;
  const pieces: Piece[] = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch !== '%' || i + 1 >= pattern.length) {
      literal += ch;
      continue;
    }
    const rest = pattern.slice(i + 1);
    const eS = /^E(\d)S/.exec(rest);
    const nf = /^(\d)f/.exec(rest);
    let piece: Piece | undefined;
    let used = 1;
    if (eS) {
      const n = Number(eS[1]);
      piece = (d, ms) => pad(d.getUTCSeconds(), 2) + (n > 0 ? '.' + fraction(ms, n) : '');
      used = 3;
    } else if (nf) {
      const n = Number(nf[1]);
      piece = (_d, ms) => fraction(ms, n);
      used = 2;
    } else if (SPECIFIERS[rest[0]]) {
      piece = SPECIFIERS[rest[0]];
    }
    if (!piece) {
      literal += ch;
      continue;
    }
    if (literal !== '') pieces.push(literal);
    literal = '';
    pieces.push(piece);
    i += used;
  }
  if (literal !== '') pieces.push(literal);
  return (ms) => {
    const d = new Date(ms);
    let out = '';
    for (const p of pieces) out += typeof p === 'string' ? p : p(d, ms);
    return out;
  };
}
