// Proxyless gRPC: detection of gRPC xDS clients and the resources generated for them.
export { GENERATOR_KEY, GRPC_GENERATOR, isProxyless, isProxylessMetadata } from './detect.js';
export { proxylessConfigDump } from './dump.js';
export { PROXYLESS_GENERATORS } from './generators.js';
export { grpcInboundListener, INBOUND_LISTENER_PREFIX, isInboundListenerName } from './inbound.js';
export { candidateHosts, resolveListenerName, serviceKey, splitHostPort } from './names.js';
