// Envoy's response flags: why a request ended the way it did (UH no healthy upstream, UF connect failure,
// NR no route, …). Kept as bits on the hot path; turned into Envoy's comma-separated short string, in Envoy's
// order, only when an access log line or a metric label needs it.

/** [bit name, Envoy short flag, Envoy long name] in Envoy's output order. */
const FLAGS = [
  ['FailedLocalHealthCheck', 'LH', 'FailedLocalHealthCheck'],
  ['NoHealthyUpstream', 'UH', 'NoHealthyUpstream'],
  ['UpstreamRequestTimeout', 'UT', 'UpstreamRequestTimeout'],
  ['LocalReset', 'LR', 'LocalReset'],
  ['UpstreamRemoteReset', 'UR', 'UpstreamRemoteReset'],
  ['UpstreamConnectionFailure', 'UF', 'UpstreamConnectionFailure'],
  ['UpstreamConnectionTermination', 'UC', 'UpstreamConnectionTermination'],
  ['UpstreamOverflow', 'UO', 'UpstreamOverflow'],
  ['NoRouteFound', 'NR', 'NoRouteFound'],
  ['DelayInjected', 'DI', 'DelayInjected'],
  ['FaultInjected', 'FI', 'FaultInjected'],
  ['RateLimited', 'RL', 'RateLimited'],
  ['UnauthorizedExternalService', 'UAEX', 'UnauthorizedExternalService'],
  ['RateLimitServiceError', 'RLSE', 'RateLimitServiceError'],
  ['DownstreamConnectionTermination', 'DC', 'DownstreamConnectionTermination'],
  ['UpstreamRetryLimitExceeded', 'URX', 'UpstreamRetryLimitExceeded'],
  ['StreamIdleTimeout', 'SI', 'StreamIdleTimeout'],
  ['InvalidEnvoyRequestHeaders', 'IH', 'InvalidEnvoyRequestHeaders'],
  ['DownstreamProtocolError', 'DPE', 'DownstreamProtocolError'],
  ['UpstreamMaxStreamDurationReached', 'UMSDR', 'UpstreamMaxStreamDurationReached'],
  ['ResponseFromCacheFilter', 'RFCF', 'ResponseFromCacheFilter'],
  ['NoFilterConfigFound', 'NFCF', 'NoFilterConfigFound'],
  ['DurationTimeout', 'DT', 'DurationTimeout'],
  ['UpstreamProtocolError', 'UPE', 'UpstreamProtocolError'],
  ['NoClusterFound', 'NC', 'NoClusterFound'],
  ['OverloadManager', 'OM', 'OverloadManagerTerminated'],
  ['DnsResolutionFailed', 'DF', 'DnsResolutionFailed'],
  ['DropOverLoad', 'DO', 'DropOverload'],
  ['DownstreamRemoteReset', 'DR', 'DownstreamRemoteReset'],
] as const;

export type ResponseFlagName = (typeof FLAGS)[number][0];

/** Bit values: `ResponseFlag.NoHealthyUpstream | ResponseFlag.UpstreamRetryLimitExceeded`. */
export const ResponseFlag = Object.fromEntries(FLAGS.map(([name], i) => [name, 2 ** i])) as Record<
  ResponseFlagName,
  number
>;

const SHORT: readonly string[] = FLAGS.map((f) => f[1]);
const LONG: readonly string[] = FLAGS.map((f) => f[2]);
const shortMemo = new Map<number, string>();

/** Envoy's %RESPONSE_FLAGS%: short flags joined by `,` in Envoy's order, `-` when none. Memoized per set. */
export function responseFlagsToString(bits: number): string {
  if (bits === 0) return '-';
  let s = shortMemo.get(bits);
  if (s !== undefined) return s;
  const parts: string[] = [];
  for (let i = 0; i < SHORT.length; i++) if (bits & (2 ** i)) parts.push(SHORT[i]);
  s = parts.join(',');
  shortMemo.set(bits, s);
  return s;
}

/** Envoy's %RESPONSE_FLAGS_LONG%: long names joined by `,`, `-` when none. */
export function responseFlagsToLongString(bits: number): string {
  if (bits === 0) return '-';
  const parts: string[] = [];
  for (let i = 0; i < LONG.length; i++) if (bits & (2 ** i)) parts.push(LONG[i]);
  return parts.join(',');
}

/** Parses `UH,URX` back into bits; unknown flags are ignored. */
export function parseResponseFlags(text: string): number {
  if (text === '-' || text === '') return 0;
  let bits = 0;
  for (const f of text.split(',')) {
    const i = SHORT.indexOf(f.trim());
    if (i >= 0) bits |= 2 ** i;
  }
  return bits;
}
