// VirtualService timeout → the route timeout. Istio disables Envoy's 15 s default (timeout 0s) when none
// is set, and lets gRPC's grpc-timeout header apply up to the same bound.
import { create } from '@bufbuild/protobuf';
import type { Duration } from '@bufbuild/protobuf/wkt';
import { durationMs } from '../../../common/duration.js';
import {
  type RouteAction,
  type RouteAction_MaxStreamDuration,
  RouteAction_MaxStreamDurationSchema,
} from '../../../generated/envoy/config/route/v3/route_components_pb.js';
import { durationOf } from '../pb.js';

let disabled: { timeout: Duration; maxStreamDuration: RouteAction_MaxStreamDuration } | undefined;

export function applyTimeout(action: RouteAction, timeout: string | undefined): void {
  if (!timeout) {
    // Shared by every route without a timeout: built messages are never mutated.
    disabled ??= {
      timeout: durationOf(0),
      maxStreamDuration: create(RouteAction_MaxStreamDurationSchema, {
        maxStreamDuration: durationOf(0),
        grpcTimeoutHeaderMax: durationOf(0),
      }),
    };
    action.timeout = disabled.timeout;
    action.maxStreamDuration = disabled.maxStreamDuration;
    return;
  }
  const ms = durationMs(timeout);
  action.timeout = durationOf(ms);
  action.maxStreamDuration = create(RouteAction_MaxStreamDurationSchema, {
    maxStreamDuration: durationOf(ms),
    grpcTimeoutHeaderMax: durationOf(ms),
  });
}
