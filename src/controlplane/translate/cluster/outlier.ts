// DestinationRule outlierDetection → Envoy OutlierDetection, with Istio's translation of each field.
import { create } from '@bufbuild/protobuf';
import type { OutlierDetection as IstioOutlier } from '../../../api/index.js';
import { durationMs } from '../../../common/duration.js';
import {
  type OutlierDetection,
  OutlierDetectionSchema,
} from '../../../generated/envoy/config/cluster/v3/outlier_detection_pb.js';
import { durationOf } from '../pb.js';

/**
 * Istio's mapping: consecutive5xxErrors (or the deprecated consecutiveErrors) → consecutive_5xx with
 * enforcement 100 % (0 errors disables it: enforcement 0); consecutiveGatewayErrors likewise; interval,
 * baseEjectionTime, maxEjectionPercent as given; minHealthPercent is Envoy's panic threshold (set on the
 * cluster by the caller); success-rate ejection is turned off (enforcing_success_rate 0) as Istio does.
 */
export function outlierDetection(o: IstioOutlier): OutlierDetection {
  const out = create(OutlierDetectionSchema, { enforcingSuccessRate: 0 });
  const c5xx = o.consecutive5xxErrors ?? o.consecutiveErrors;
  if (c5xx !== undefined) {
    out.consecutive5xx = c5xx;
    out.enforcingConsecutive5xx = c5xx > 0 ? 100 : 0;
  }
  if (o.consecutiveGatewayErrors !== undefined) {
    out.consecutiveGatewayFailure = o.consecutiveGatewayErrors;
    out.enforcingConsecutiveGatewayFailure = o.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  if (o.splitExternalLocalOriginErrors) {
    out.splitExternalLocalOriginErrors = true;
    if (o.consecutiveLocalOriginFailures !== undefined) {
      out.consecutiveLocalOriginFailure = o.consecutiveLocalOriginFailures;
      out.enforcingConsecutiveLocalOriginFailure = 100;
    }
  }
  if (o.interval) out.interval = durationOf(durationMs(o.interval));
  if (o.baseEjectionTime) out.baseEjectionTime = durationOf(durationMs(o.baseEjectionTime));
  if (o.maxEjectionPercent !== undefined) out.maxEjectionPercent = o.maxEjectionPercent;
  return out;
}
