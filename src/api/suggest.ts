// "Did you mean" hints: the closest known name to a misspelt one, by edit distance.

/** Levenshtein distance between two strings (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The known name closest to `name`, if it is close enough to be a plausible typo. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  const lower = name.toLowerCase().replace(/[_-]/g, '');
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const kl = k.toLowerCase().replace(/[_-]/g, '');
    if (kl === lower) return k;
    // `matchLabels` written where the field is `labels` (and the reverse): one name ends with the other.
    if (Math.min(kl.length, lower.length) >= 4 && (kl.endsWith(lower) || lower.endsWith(kl))) return k;
    const d = editDistance(lower, kl);
    if (d < bestScore) {
      bestScore = d;
      best = k;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(name.length, 3) / 3));
  return bestScore <= allowed ? best : undefined;
}

/** ` (did you mean "x"?)`, or '' when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const c = closest(name, known);
  return c === undefined ? '' : ` (did you mean "${c}"?)`;
}
