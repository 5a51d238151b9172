// Histogram summaries as Envoy's admin prints them: the quantiles P0…P100, estimated from bucket counts by
// linear interpolation inside the bucket that holds each rank, clamped to the exact min and max seen.
import type { Histogram } from './store.js';

/** Envoy's supported quantiles, as fractions. */
export const SUPPORTED_QUANTILES: readonly number[] = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1];

/** Rounds to 6 significant digits so interpolation noise does not show (values are in the stat's unit). */
function tidy(v: number): number {
  return Number(v.toPrecision(6));
}

/**
 * Estimates `quantiles` from disjoint bucket counts (`counts[i]` = samples in (bounds[i-1], bounds[i]],
 * the last slot above every bound). Returns NaN for every quantile when there are no samples.
 */
export function estimateQuantiles(
  counts: ArrayLike<number>,
  bounds: readonly number[],
  min: number,
  max: number,
  quantiles: readonly number[] = SUPPORTED_QUANTILES,
): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total === 0) return quantiles.map(() => Number.NaN);
  const lo = Number.isFinite(min) ? min : 0;
  const hi = Number.isFinite(max) ? max : bounds[bounds.length - 1];
  return quantiles.map((q) => {
    if (q <= 0) return tidy(lo);
    if (q >= 1) return tidy(hi);
    const rank = q * total;
    let before = 0;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i];
      if (c > 0 && before + c >= rank) {
        const bucketLow = Math.max(i === 0 ? 0 : bounds[i - 1], lo);
        const bucketHigh = Math.min(i < bounds.length ? bounds[i] : hi, hi);
        const low = Math.min(bucketLow, bucketHigh);
        return tidy(low + ((bucketHigh - low) * (rank - before)) / c);
      }
      before += c;
    }
    return tidy(hi);
  });
}

/** Quantiles over everything recorded since start. */
export function cumulativeQuantiles(h: Histogram): number[] {
  return estimateQuantiles(h.counts, h.bounds, h.min, h.max);
}

/** Quantiles over the last closed interval; all NaN when nothing was recorded in it. */
export function intervalQuantiles(h: Histogram): number[] {
  if (!h.intervalCounts) return SUPPORTED_QUANTILES.map(() => Number.NaN);
  return estimateQuantiles(h.intervalCounts, h.bounds, h.intervalMin, h.intervalMax);
}

/** Formats a number as Envoy's text output does: `nan` for no value, else the shortest decimal form. */
export function formatStatNumber(v: number): string {
  return Number.isNaN(v) ? 'nan' : String(v);
}

/** Envoy's quantile summary line body: `P0(interval,cumulative) P25(…) … P100(…)`. */
export function quantileSummary(h: Histogram): string {
  const cum = cumulativeQuantiles(h);
  const int = intervalQuantiles(h);
  let out = '';
  for (let i = 0; i < SUPPORTED_QUANTILES.length; i++) {
    if (i > 0) out += ' ';
    out += `P${tidy(SUPPORTED_QUANTILES[i] * 100)}(${formatStatNumber(int[i])},${formatStatNumber(cum[i])})`;
  }
  return out;
}
