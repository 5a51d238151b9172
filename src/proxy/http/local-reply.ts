// Local replies as Envoy sends them: fixed bodies per failure, text/plain, and for gRPC requests a
// trailers-only response carrying grpc-status and grpc-message instead of an HTTP error status.

export const BODY_NO_HEALTHY_UPSTREAM = 'no healthy upstream';
export const BODY_UPSTREAM_TIMEOUT = 'upstream request timeout';
/** Envoy's body for connect failures and resets before the response head: prefix + reason. */
export function upstreamResetBody(reason: string): string {
  return `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`;
}

/** Envoy's HTTP → gRPC status mapping for local replies to gRPC requests. */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

/** Response flags (Envoy's short names). */
export const Flag = {
  NoRouteFound: 'NR',
  NoHealthyUpstream: 'UH',
  UpstreamConnectionFailure: 'UF',
  UpstreamConnectionTermination: 'UC',
  UpstreamRequestTimeout: 'UT',
  UpstreamOverflow: 'UO',
  NoClusterFound: 'NC',
  DownstreamConnectionTermination: 'DC',
  UpstreamRemoteReset: 'UR',
  LocalReset: 'LR',
  DownstreamProtocolError: 'DPE',
  UpstreamProtocolError: 'UPE',
} as const;
