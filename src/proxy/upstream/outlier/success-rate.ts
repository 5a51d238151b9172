// The interval-based detectors: success rate (mean − stdev × factor over hosts with enough volume) and
// failure percentage (a fixed threshold), each requiring a minimum number of hosts with enough volume.

export interface HostRate<H> {
  host: H;
  /** Success rate of the last interval, percent. */
  rate: number;
}

/** Envoy's success-rate threshold: mean − (stdev_factor / 1000) × population standard deviation. */
export function successRateThreshold(
  rates: readonly number[],
  stdevFactor: number,
): { mean: number; threshold: number } {
  let sum = 0;
  for (const r of rates) sum += r;
  const mean = sum / rates.length;
  let variance = 0;
  for (const r of rates) variance += (r - mean) ** 2;
  const stdev = Math.sqrt(variance / rates.length);
  return { mean, threshold: mean - (stdevFactor / 1000) * stdev };
}

/** Hosts whose success rate falls below the cluster's threshold; none unless `minimumHosts` qualify. */
export function successRateOutliers<H>(
  rates: readonly HostRate<H>[],
  minimumHosts: number,
  stdevFactor: number,
): { host: H; rate: number; threshold: number }[] {
  if (rates.length === 0 || rates.length < minimumHosts) return [];
  const { threshold } = successRateThreshold(
    rates.map((r) => r.rate),
    stdevFactor,
  );
  return rates.filter((r) => r.rate < threshold).map((r) => ({ host: r.host, rate: r.rate, threshold }));
}

/** Hosts whose failure percentage reaches the threshold; none unless `minimumHosts` qualify. */
export function failurePercentageOutliers<H>(
  rates: readonly HostRate<H>[],
  minimumHosts: number,
  thresholdPercent: number,
): { host: H; rate: number; threshold: number }[] {
  if (rates.length === 0 || rates.length < minimumHosts) return [];
  return rates
    .filter((r) => 100 - r.rate >= thresholdPercent)
    .map((r) => ({ host: r.host, rate: r.rate, threshold: thresholdPercent }));
}
