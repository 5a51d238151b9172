// Test support: a raw ADS client stream over grpc-js (no xDS client logic), to drive the server by hand.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { adsServiceDefinition } from '../../src/controlplane/xds/ads-service.js';
import type { Node } from '../../src/generated/envoy/config/core/v3/base_pb.js';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
} from '../../src/generated/envoy/service/discovery/v3/discovery_pb.js';

type AdsStream = grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;

export class AdsTestClient {
  private readonly client: grpc.Client;
  private readonly stream: AdsStream;
  readonly inbox: DiscoveryResponse[] = [];
  private readonly waiters: ((r: DiscoveryResponse) => void)[] = [];

  constructor(
    address: string,
    private readonly node: Node,
  ) {
    const Client = grpc.makeGenericClientConstructor(adsServiceDefinition, 'ads');
    this.client = new Client(address, grpc.credentials.createInsecure());
    this.stream = (
      this.client as unknown as { StreamAggregatedResources(): AdsStream }
    ).StreamAggregatedResources();
    this.stream.on('data', (r: DiscoveryResponse) => {
      const w = this.waiters.shift();
      if (w) w(r);
      else this.inbox.push(r);
    });
    this.stream.on('error', () => {});
  }

  send(init: MessageInitShape<typeof DiscoveryRequestSchema>): void {
    this.stream.write(create(DiscoveryRequestSchema, { node: this.node, ...init }));
  }

  next(timeoutMs = 3000): Promise<DiscoveryResponse> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no xDS response within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }

  /** The next response of `typeUrl`, ACKing (and dropping) others on the way. */
  async nextOf(typeUrl: string, timeoutMs = 5000): Promise<DiscoveryResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.next(Math.max(1, deadline - Date.now()));
      if (r.typeUrl === typeUrl) return r;
      this.ack(r);
    }
  }

  ack(r: DiscoveryResponse, resourceNames: string[] = []): void {
    this.send({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames });
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }
}
