// A scriptable in-process delta ADS server for tests: a real grpc-js DeltaAggregatedResources server on
// 127.0.0.1 that records every DeltaDiscoveryRequest and sends the DeltaDiscoveryResponses a test gives it.
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  DeltaDiscoveryResponseSchema,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { deltaAdsServiceDefinition } from './ads-service.js';
import { type RecordedStreamRequest, ScriptedStreamServer } from './scripted-stream-server.js';

export type RecordedDeltaRequest = RecordedStreamRequest<DeltaDiscoveryRequest>;

/** One resource of a delta response: its name, its version and the message itself. */
export type DeltaResource<Desc extends DescMessage> = [
  name: string,
  version: string,
  resource: MessageShape<Desc>,
];

export class TestDeltaAdsServer extends ScriptedStreamServer<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  constructor() {
    super(deltaAdsServiceDefinition, 'deltaAggregatedResources');
  }

  /** The ACK or NACK for the response with `nonce`. */
  replyTo(nonce: string, timeoutMs = 5000): Promise<DeltaDiscoveryRequest> {
    return this.find(`reply to ${nonce}`, (r) => r.responseNonce === nonce, timeoutMs);
  }

  /** Sends a delta response on the newest stream: `resources` added or changed, `removed` names gone. */
  respond<Desc extends DescMessage>(
    typeUrl: string,
    nonce: string,
    schema: Desc,
    resources: DeltaResource<Desc>[],
    removed: string[] = [],
  ): void {
    this.send(
      create(DeltaDiscoveryResponseSchema, {
        typeUrl,
        systemVersionInfo: `sys-${nonce}`,
        nonce,
        resources: resources.map(([name, version, r]) => ({ name, version, resource: anyPack(schema, r) })),
        removedResources: removed,
      }),
    );
  }
}
