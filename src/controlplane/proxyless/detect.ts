// Recognising proxyless gRPC clients: as Istio does, by the node metadata GENERATOR = "grpc" that the
// client's xDS bootstrap announces (grpc-go, grpc-java and @grpc/grpc-js-xds send no other marker).
import type { JsonObject } from '@bufbuild/protobuf';
import type { MeshProxy } from '../model/proxy.js';

/** The node metadata key naming the generator a client wants, and the value proxyless gRPC sends. */
export const GENERATOR_KEY = 'GENERATOR';
export const GRPC_GENERATOR = 'grpc';

export function isProxylessMetadata(metadata: JsonObject | undefined): boolean {
  const v = metadata?.[GENERATOR_KEY];
  return typeof v === 'string' && v.toLowerCase() === GRPC_GENERATOR;
}

export function isProxyless(proxy: MeshProxy): boolean {
  return isProxylessMetadata(proxy.metadata);
}
