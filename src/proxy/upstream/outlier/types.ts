// Outlier detection vocabulary: ejection types as Envoy names them in stats and event logs, local-origin
// result kinds, the event record; Envoy's outlier_detection defaults live with the domain config (re-exported).

export type EjectionType =
  | 'consecutive_5xx'
  | 'consecutive_gateway_failure'
  | 'consecutive_local_origin_failure'
  | 'success_rate'
  | 'local_origin_success_rate'
  | 'failure_percentage'
  | 'local_origin_failure_percentage';

export const EJECTION_TYPES: readonly EjectionType[] = [
  'consecutive_5xx',
  'consecutive_gateway_failure',
  'consecutive_local_origin_failure',
  'success_rate',
  'local_origin_success_rate',
  'failure_percentage',
  'local_origin_failure_percentage',
];

/** Results the proxy itself observes about a host (no HTTP status from the application). */
export type LocalOriginResult = 'connect-failure' | 'timeout' | 'reset' | 'success';

/** One ejection or return, for the event log and the admin page. */
export interface OutlierEvent {
  action: 'eject' | 'uneject';
  /** Host key `ip:port`. */
  host: string;
  cluster: string;
  /** Why (ejections only). */
  type?: EjectionType;
  /** False when detected but not enforced (enforcing_* percentage) — the host stays in service. */
  enforced: boolean;
  /** How many times the host has been ejected (its ejection time multiplier). */
  numEjections: number;
  timeMs: number;
  /** Success-rate ejections: the host's rate and the cluster's threshold, percent. */
  hostSuccessRate?: number;
  threshold?: number;
}

/** Settings Envoy has that the decoded OutlierDetection does not carry; Envoy's defaults apply. */
export interface OutlierExtras {
  /** enforcing_local_origin_success_rate, percent (Envoy default 100). */
  enforcingLocalOriginSuccessRate: number;
  /** enforcing_failure_percentage_local_origin, percent (Envoy default 0). */
  enforcingFailurePercentageLocalOrigin: number;
}

export const DEFAULT_OUTLIER_EXTRAS: OutlierExtras = {
  enforcingLocalOriginSuccessRate: 100,
  enforcingFailurePercentageLocalOrigin: 0,
};

export { DEFAULT_OUTLIER_DETECTION } from '../../config/cluster.js';
