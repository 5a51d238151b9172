// A scriptable in-process ADS server for tests: a real grpc-js Server on 127.0.0.1 that records every
// DiscoveryRequest and sends the DiscoveryResponses a test gives it.
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  type DiscoveryRequest,
  type DiscoveryResponse,
  DiscoveryResponseSchema,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { adsServiceDefinition } from './ads-service.js';
import { type RecordedStreamRequest, ScriptedStreamServer } from './scripted-stream-server.js';

export type RecordedRequest = RecordedStreamRequest<DiscoveryRequest>;

export class TestAdsServer extends ScriptedStreamServer<DiscoveryRequest, DiscoveryResponse> {
  constructor() {
    super(adsServiceDefinition, 'streamAggregatedResources');
  }

  /** Sends a SotW response of `resources` (all of one type) on the newest stream. */
  respond<Desc extends DescMessage>(
    typeUrl: string,
    versionInfo: string,
    nonce: string,
    schema: Desc,
    resources: MessageShape<Desc>[],
  ): void {
    this.send(
      create(DiscoveryResponseSchema, {
        typeUrl,
        versionInfo,
        nonce,
        resources: resources.map((r) => anyPack(schema, r)),
      }),
    );
  }
}
