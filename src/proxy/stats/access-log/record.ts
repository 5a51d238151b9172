// What the access-log formatters read: the runtime's per-request AccessLogEntry, plus optional fields and
// header accessors. Headers are read through functions so the runtime keeps its own header storage (raw head
// bytes, arrays) and pays for a lookup only when a configured format asks for that header.
import type { AccessLogEntry } from '../../http/access-log-entry.js';

export interface AccessLogExtras {
  /** `ip:port` of the local side of the upstream connection (%UPSTREAM_LOCAL_ADDRESS%). */
  upstreamLocalAddress?: string;
  /** Why the connection was closed, e.g. `rbac_access_denied_matched_policy[none]` (%CONNECTION_TERMINATION_DETAILS%). */
  connectionTerminationDetails?: string;
  /** Upstream attempts made, retries included (%UPSTREAM_REQUEST_ATTEMPT_COUNT%). */
  upstreamRequestAttemptCount?: number;
  /** A request header by lower-case name (`x-b3-traceid`); undefined when absent. Used by %REQ(X)%. */
  requestHeader?(lowerCaseName: string): string | undefined;
  /** A response header by lower-case name; undefined when absent. Used by %RESP(X)%. */
  responseHeader?(lowerCaseName: string): string | undefined;
  /** A response trailer by lower-case name; undefined when absent. Used by %TRAILER(X)%. */
  responseTrailer?(lowerCaseName: string): string | undefined;
  /**
   * Values of operators the formatter cannot compute from the fields above (TLS peer SANs, dynamic
   * metadata, filter state; see RUNTIME_OPERATORS in operators.ts). Undefined prints `-` / null.
   */
  operatorValue?(operator: string, arg: string | undefined): string | number | undefined;
}

/** One finished request as the formatters see it. */
export type AccessLogRecord = AccessLogEntry & AccessLogExtras;
