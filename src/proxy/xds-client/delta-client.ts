// The delta (incremental) flavour of the ADS client: DeltaAggregatedResources with DeltaState, run on the
// shared AdsStream transport; AdsClient picks it when the bootstrap's ads_config.api_type is DELTA_GRPC.
import { create } from '@bufbuild/protobuf';
import {
  type DeltaDiscoveryRequest,
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { StatusSchema } from '../../generated/google/rpc/status_pb.js';
import {
  DELTA_ADS_STREAM_METHOD,
  deserializeDeltaDiscoveryResponse,
  serializeDeltaDiscoveryRequest,
} from './ads-service.js';
import { type AdsClientOptions, type AdsProtocol, AdsStream } from './ads-stream.js';
import { type DeltaRequestSpec, DeltaState } from './delta-state.js';

/** The wire message of one delta request (without the node). */
export function deltaRequestMessage(spec: DeltaRequestSpec): DeltaDiscoveryRequest {
  const req = create(DeltaDiscoveryRequestSchema, {
    typeUrl: spec.typeUrl,
    responseNonce: spec.responseNonce,
    resourceNamesSubscribe: spec.subscribe,
    resourceNamesUnsubscribe: spec.unsubscribe,
    initialResourceVersions: spec.initialResourceVersions ?? {},
  });
  if (spec.errorDetail) req.errorDetail = create(StatusSchema, spec.errorDetail);
  return req;
}

export function deltaProtocol(
  options: AdsClientOptions,
): AdsProtocol<DeltaRequestSpec, DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  return {
    method: DELTA_ADS_STREAM_METHOD,
    serialize: serializeDeltaDiscoveryRequest,
    deserialize: deserializeDeltaDiscoveryResponse,
    state: new DeltaState({
      cds: options.cds,
      lds: options.lds,
      decode: options.decode,
      hasLocalSecret: options.hasLocalSecret,
    }),
    toMessage: deltaRequestMessage,
    describe: (spec) => {
      const event = {
        kind: 'request' as const,
        typeUrl: spec.typeUrl,
        versionInfo: '',
        nonce: spec.responseNonce,
        resourceNames: spec.subscribe,
        unsubscribe: spec.unsubscribe,
        nack: spec.errorDetail !== undefined,
      };
      return spec.initialResourceVersions
        ? { ...event, initialResourceVersions: spec.initialResourceVersions }
        : event;
    },
    responseVersion: (resp) => ({ typeUrl: resp.typeUrl, versionInfo: resp.systemVersionInfo }),
  };
}

/** A delta ADS stream for AdsClient's options. */
export function deltaAdsStream(
  options: AdsClientOptions,
): AdsStream<DeltaRequestSpec, DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  return new AdsStream(options, deltaProtocol(options));
}
