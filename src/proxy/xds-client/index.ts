// The xDS client's public surface: decode Envoy bootstraps and xDS resources into the proxy's validated
// config, and keep a proxy's resources current over ADS.
export {
  AdsClient,
  type AdsClientOptions,
  type AdsClock,
  type AdsEvent,
  type AdsRequestEvent,
  type AdsStatus,
  systemClock,
} from './ads-client.js';
export {
  ADS_STREAM_METHOD,
  adsServiceDefinition,
  DELTA_ADS_STREAM_METHOD,
  deltaAdsServiceDefinition,
} from './ads-service.js';
export type { NackInfo, ResourceErrors, XdsType, XdsTypeStatus } from './ads-state.js';
export { adsConfigDumpSections, dynamicResourceDumps } from './config-dump.js';
export {
  adsTargetOf,
  type DetailedBootstrap,
  decodeBootstrap,
  decodeBootstrapDetailed,
  decodeBootstrapMessage,
} from './decode-bootstrap.js';
export { decodeCluster } from './decode-cluster.js';
export type { DecodeOptions } from './decode-context.js';
export { decodeClusterLoadAssignment } from './decode-endpoint.js';
export { decodeListener } from './decode-listener.js';
export { decodeRouteConfiguration } from './decode-route.js';
export { nodeIdentityFor, toNodeMessage, type WorkloadIdentity } from './node.js';
export { envoyRegistry, TypeUrl } from './registry.js';
