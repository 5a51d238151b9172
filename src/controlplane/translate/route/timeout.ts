// VirtualService timeout → the route timeout. Istio disables Envoy's 15 s default (timeout 0s) when none
// is set, and lets gRPC's grpc-timeout header apply up to the same bound.
import { create } from '@bufbuild/protobuf';
import { durationMs } from '../../../common/duration.js';
import {
  type RouteAction,
  RouteAction_MaxStreamDurationSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { durationOf } from '../pb.js';

export function applyTimeout(action: RouteAction, timeout: string | undefined): void {
  const ms = timeout ? durationMs(timeout) : 0;
  action.timeout = durationOf(ms);
  action.maxStreamDuration = create(RouteAction_MaxStreamDurationSchema, {
    maxStreamDuration: durationOf(ms),
    grpcTimeoutHeaderMax: durationOf(ms),
  });
}
