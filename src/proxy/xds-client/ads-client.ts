// The proxy's ADS client façade: picks State of the World (StreamAggregatedResources, AdsState) or delta
// (DeltaAggregatedResources, DeltaState) from the bootstrap's api_type and runs it on the shared AdsStream
// transport (reconnects with back-off, node on the first request, onUpdate after every accepted change).
import { create } from '@bufbuild/protobuf';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { StatusSchema } from '../../generated/google/rpc/status_pb.js';
import type { ProxyResources } from '../config/bootstrap.js';
import { ADS_STREAM_METHOD, deserializeDiscoveryResponse, serializeDiscoveryRequest } from './ads-service.js';
import { AdsState, type RequestSpec } from './ads-state.js';
import { type AdsClientOptions, type AdsProtocol, type AdsStatus, AdsStream } from './ads-stream.js';
import { deltaAdsStream } from './delta-client.js';

export {
  type AdsClientOptions,
  type AdsClock,
  type AdsEvent,
  type AdsRequestEvent,
  type AdsStatus,
  systemClock,
} from './ads-stream.js';

function sotwProtocol(
  options: AdsClientOptions,
): AdsProtocol<RequestSpec, DiscoveryRequest, DiscoveryResponse> {
  return {
    method: ADS_STREAM_METHOD,
    serialize: serializeDiscoveryRequest,
    deserialize: deserializeDiscoveryResponse,
    state: new AdsState({
      cds: options.cds,
      lds: options.lds,
      decode: options.decode,
      hasLocalSecret: options.hasLocalSecret,
    }),
    toMessage: (spec) => {
      const req = create(DiscoveryRequestSchema, {
        versionInfo: spec.versionInfo,
        typeUrl: spec.typeUrl,
        responseNonce: spec.responseNonce,
        resourceNames: spec.resourceNames,
      });
      if (spec.errorDetail) req.errorDetail = create(StatusSchema, spec.errorDetail);
      return req;
    },
    describe: (spec) => ({
      kind: 'request',
      typeUrl: spec.typeUrl,
      versionInfo: spec.versionInfo,
      nonce: spec.responseNonce,
      resourceNames: spec.resourceNames,
      nack: spec.errorDetail !== undefined,
    }),
    responseVersion: (resp) => ({ typeUrl: resp.typeUrl, versionInfo: resp.versionInfo }),
  };
}

/** The stream operations the façade forwards; the same for both protocols. */
interface AdsStreamControl {
  start(): void;
  stop(): void;
  whenFirstUpdate(): Promise<void>;
  resources(): ProxyResources;
  status(): AdsStatus;
  localSecretsChanged(): void;
}

export class AdsClient {
  private readonly stream: AdsStreamControl;
  /** Which xDS flavour this client speaks. */
  readonly apiType: 'GRPC' | 'DELTA_GRPC';

  constructor(options: AdsClientOptions) {
    this.apiType = options.apiType ?? 'GRPC';
    this.stream =
      this.apiType === 'DELTA_GRPC' ? deltaAdsStream(options) : new AdsStream(options, sotwProtocol(options));
  }

  /** Opens the stream (and keeps reopening it until stop()). */
  start(): void {
    this.stream.start();
  }

  /** Closes the stream and the channel; no reconnects afterwards. */
  stop(): void {
    this.stream.stop();
  }

  /** Resolves after the first accepted update. */
  whenFirstUpdate(): Promise<void> {
    return this.stream.whenFirstUpdate();
  }

  resources(): ProxyResources {
    return this.stream.resources();
  }

  /** Per type: accepted version, nonce, subscriptions, resources as received and the last NACK. */
  status(): AdsStatus {
    return this.stream.status();
  }

  /** A locally held secret arrived or changed: resources waiting only for it may now be served. */
  localSecretsChanged(): void {
    this.stream.localSecretsChanged();
  }
}
