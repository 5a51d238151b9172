// The gRPC description of Envoy's AggregatedDiscoveryService (SotW StreamAggregatedResources, delta
// DeltaAggregatedResources) with @bufbuild/protobuf binary (de)serializers, for grpc-js clients and servers.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  type DeltaDiscoveryRequest,
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
  DeltaDiscoveryResponseSchema,
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

export const DELTA_ADS_STREAM_METHOD =
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

export function serializeDeltaDiscoveryRequest(m: DeltaDiscoveryRequest): Buffer {
  return Buffer.from(toBinary(DeltaDiscoveryRequestSchema, m));
}
export function deserializeDeltaDiscoveryRequest(b: Buffer): DeltaDiscoveryRequest {
  return fromBinary(DeltaDiscoveryRequestSchema, b);
}
export function serializeDeltaDiscoveryResponse(m: DeltaDiscoveryResponse): Buffer {
  return Buffer.from(toBinary(DeltaDiscoveryResponseSchema, m));
}
export function deserializeDeltaDiscoveryResponse(b: Buffer): DeltaDiscoveryResponse {
  return fromBinary(DeltaDiscoveryResponseSchema, b);
}

/** For `server.addService(deltaAdsServiceDefinition, { deltaAggregatedResources(call) { … } })`. */
export const deltaAdsServiceDefinition = {
  deltaAggregatedResources: {
    path: DELTA_ADS_STREAM_METHOD,
    requestStream: true,
    responseStream: true,
    requestSerialize: serializeDeltaDiscoveryRequest,
    requestDeserialize: deserializeDeltaDiscoveryRequest,
    responseSerialize: serializeDeltaDiscoveryResponse,
    responseDeserialize: deserializeDeltaDiscoveryResponse,
  },
} satisfies ServiceDefinition;
