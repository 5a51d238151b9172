// A scriptable in-process ADS server for tests: a real grpc-js Server on 127.0.0.1 that records every
// DiscoveryRequest and sends the DiscoveryResponses a test gives it.
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import {
  type DiscoveryRequest,
  type DiscoveryResponse,
  DiscoveryResponseSchema,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { adsServiceDefinition } from './ads-service.js';

export interface RecordedRequest {
  stream: number;
  request: DiscoveryRequest;
}

export class TestAdsServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server = new grpc.Server();
  private readonly streams: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>[] = [];
  private waiters: (() => void)[] = [];
  private read = 0;
  port = 0;

  async start(): Promise<void> {
    this.server.addService(adsServiceDefinition, {
      streamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
        const id = this.streams.push(call) - 1;
        call.on('data', (request: DiscoveryRequest) => {
          this.requests.push({ stream: id, request });
          for (const w of this.waiters.splice(0)) w();
        });
        call.on('error', () => {});
        call.on('end', () => call.end());
      },
    });
    this.port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  get streamCount(): number {
    return this.streams.length;
  }

  /** The next request not yet returned by this method (waits up to `timeoutMs`). */
  async nextRequest(timeoutMs = 3000): Promise<RecordedRequest> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.requests.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no request within ${timeoutMs} ms (got ${this.requests.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.requests[this.read++];
  }

  /** Sends a SotW response of `resources` (all of one type) on the newest stream. */
  respond<Desc extends DescMessage>(
    typeUrl: string,
    versionInfo: string,
    nonce: string,
    schema: Desc,
    resources: MessageShape<Desc>[],
  ): void {
    const stream = this.streams[this.streams.length - 1];
    stream.write(
      create(DiscoveryResponseSchema, {
        typeUrl,
        versionInfo,
        nonce,
        resources: resources.map((r) => anyPack(schema, r)),
      }),
    );
  }

  /** Ends the newest stream with an error status, as a control plane restart would. */
  dropStream(): void {
    const stream = this.streams[this.streams.length - 1];
    // grpc-js turns an 'error' on a server stream into the call's final status.
    stream.emit(
      'error',
      Object.assign(new Error('control plane restarting'), { code: grpc.status.UNAVAILABLE }),
    );
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
