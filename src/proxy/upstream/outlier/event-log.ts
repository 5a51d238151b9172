// Outlier events as the JSON lines of Envoy's outlier detection event log (event_log_path): one
// OutlierDetectionEvent per ejection or return, with Envoy's type and action names.
import type { EjectionType, OutlierEvent } from './types.js';

const TYPE_NAMES: Record<EjectionType, string> = {
  consecutive_5xx: 'CONSECUTIVE_5XX',
  consecutive_gateway_failure: 'CONSECUTIVE_GATEWAY_FAILURE',
  consecutive_local_origin_failure: 'CONSECUTIVE_LOCAL_ORIGIN_FAILURE',
  success_rate: 'SUCCESS_RATE',
  local_origin_success_rate: 'SUCCESS_RATE_LOCAL_ORIGIN',
  failure_percentage: 'FAILURE_PERCENTAGE',
  local_origin_failure_percentage: 'FAILURE_PERCENTAGE_LOCAL_ORIGIN',
};

/** One event as a JSON object in Envoy's field names (snake_case, enum names as strings). */
export function outlierEventJson(e: OutlierEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: e.type === undefined ? undefined : TYPE_NAMES[e.type],
    timestamp: new Date(e.timeMs).toISOString(),
    cluster_name: e.cluster,
    upstream_url: e.host,
    action: e.action === 'eject' ? 'EJECT' : 'UNEJECT',
    num_ejections: e.numEjections,
    enforced: e.enforced,
  };
  if (e.action === 'eject' && e.type !== undefined) {
    if (e.type === 'success_rate' || e.type === 'local_origin_success_rate') {
      out.eject_success_rate_event = {
        host_success_rate: Math.floor(e.hostSuccessRate ?? 0),
        cluster_success_rate_ejection_threshold: Math.floor(e.threshold ?? 0),
      };
    } else if (e.type === 'failure_percentage' || e.type === 'local_origin_failure_percentage') {
      out.eject_failure_percentage_event = { host_success_rate: Math.floor(e.hostSuccessRate ?? 0) };
    } else {
      out.eject_consecutive_event = {};
    }
  }
  return out;
}

/** The event as one log line (no trailing newline). */
export function formatOutlierEvent(e: OutlierEvent): string {
  return JSON.stringify(outlierEventJson(e));
}
