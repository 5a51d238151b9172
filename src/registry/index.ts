// Public surface of the service registry: the model, the ServiceRegistry contract and the embedded registry.
export { AggregateRegistry } from './aggregate.js';
export { ConfigRegistry, type ConfigRegistryOptions } from './config-registry.js';
export { TLS_MODE_LABEL } from './convert.js';
export { hostCandidates, resolveHost, serviceHostname } from './host.js';
export { DEFAULT_DISCONNECT_GRACE_MS, LocalRegistry, type LocalRegistryOptions } from './local.js';
export type {
  Origin,
  Protocol,
  Resolution,
  Service,
  ServiceEndpoint,
  ServicePort,
  TlsMode,
  WorkloadInstance,
} from './model.js';
export {
  type LocalRegistration,
  NODE_METADATA_KEYS,
  type NodeInfo,
  registrationFromNode,
} from './node-metadata.js';
export {
  isHttp2Protocol,
  isHttpProtocol,
  isTcpProtocol,
  isTlsProtocol,
  parseProtocol,
  protocolOfPort,
} from './protocol.js';
export { type RegistryChange, resolveInRegistry, type ServiceRegistry } from './registry.js';
export { instancePort, REGISTRY_KINDS, type RegistryInputs, RegistrySnapshot } from './snapshot.js';
