// The gRPC description of Envoy's AggregatedDiscoveryService (SotW StreamAggregatedResources) with
// @bufbuild/protobuf binary (de)serializers, usable by grpc-js clients and servers alike.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
  DiscoveryResponseSchema,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';

export const ADS_STREAM_METHOD =
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';

export function serializeDiscoveryRequest(m: DiscoveryRequest): Buffer {
  return Buffer.from(toBinary(DiscoveryRequestSchema, m));
}
export function deserializeDiscoveryRequest(b: Buffer): DiscoveryRequest {
  return fromBinary(DiscoveryRequestSchema, b);
}
export function serializeDiscoveryResponse(m: DiscoveryResponse): Buffer {
  return Buffer.from(toBinary(DiscoveryResponseSchema, m));
}
export function deserializeDiscoveryResponse(b: Buffer): DiscoveryResponse {
  return fromBinary(DiscoveryResponseSchema, b);
}

/** For `server.addService(adsServiceDefinition, { streamAggregatedResources(call) { … } })`. */
export const adsServiceDefinition = {
  streamAggregatedResources: {
    path: ADS_STREAM_METHOD,
    requestStream: true,
    responseStream: true,
    requestSerialize: serializeDiscoveryRequest,
    requestDeserialize: deserializeDiscoveryRequest,
    responseSerialize: serializeDiscoveryResponse,
    responseDeserialize: deserializeDiscoveryResponse,
  },
} satisfies ServiceDefinition;
