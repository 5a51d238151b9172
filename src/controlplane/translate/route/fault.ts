// VirtualService fault → the fault filter's per-route HTTPFault (typed_per_filter_config
// `envoy.filters.http.fault`): fixed delay and abort (HTTP or gRPC status), each with its percentage.
import { create } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import type { HTTPFaultInjection } from '../../../api/index.js';
import { durationMs } from '../../../common/duration.js';
import { FaultDelaySchema } from '../../../generated/envoy/extensions/filters/common/fault/v3/fault_pb.js';
import {
  FaultAbortSchema,
  HTTPFaultSchema,
} from '../../../generated/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { durationOf, pack, percentOf } from '../pb.js';

export const FAULT_FILTER = 'envoy.filters.http.fault';

const GRPC_CODES: Record<string, number> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** Istio: an unset percentage means every request (100 %). */
function pct(p: { value?: number } | undefined, legacy?: number): number {
  return p?.value ?? legacy ?? 100;
}

export function faultConfig(fault: HTTPFaultInjection): Any | undefined {
  const out = create(HTTPFaultSchema, {});
  const d = fault.delay;
  const delayText = d?.fixedDelay ?? d?.exponentialDelay;
  if (d && delayText) {
    out.delay = create(FaultDelaySchema, {
      faultDelaySecifier: { case: 'fixedDelay', value: durationOf(durationMs(delayText)) },
      percentage: percentOf(pct(d.percentage, d.percent)),
    });
  }
  const a = fault.abort;
  if (a) {
    const abort = create(FaultAbortSchema, { percentage: percentOf(pct(a.percentage)) });
    if (a.httpStatus !== undefined) abort.errorType = { case: 'httpStatus', value: a.httpStatus };
    else if (a.grpcStatus !== undefined) {
      const code = GRPC_CODES[a.grpcStatus.toUpperCase()] ?? Number(a.grpcStatus);
      abort.errorType = { case: 'grpcStatus', value: Number.isInteger(code) ? code : 2 };
    }
    if (abort.errorType.case !== undefined) out.abort = abort;
  }
  if (!out.delay && !out.abort) return undefined;
  return pack(HTTPFaultSchema, out);
}
