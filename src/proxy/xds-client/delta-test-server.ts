// A scriptable in-process delta ADS server for tests: a real grpc-js DeltaAggregatedResources server on
// 127.0.0.1 that records every DeltaDiscoveryRequest and sends the DeltaDiscoveryResponses a test gives it.
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import {
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  DeltaDiscoveryResponseSchema,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { deltaAdsServiceDefinition } from './ads-service.js';

export interface RecordedDeltaRequest {
  /** Index of the stream (0 for the first one the client opened). */
  stream: number;
  request: DeltaDiscoveryRequest;
}

/** One resource of a delta response: its name, its version and the message itself. */
export type DeltaResource<Desc extends DescMessage> = [
  name: string,
  version: string,
  resource: MessageShape<Desc>,
];

export class TestDeltaAdsServer {
  readonly requests: RecordedDeltaRequest[] = [];
  private readonly server = new grpc.Server();
  private readonly streams: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>[] = [];
  private waiters: (() => void)[] = [];
  private read = 0;
  port = 0;

  async start(): Promise<void> {
    this.server.addService(deltaAdsServiceDefinition, {
      deltaAggregatedResources: (
        call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
      ) => {
        const stream = this.streams.push(call) - 1;
        call.on('data', (request: DeltaDiscoveryRequest) => {
          this.requests.push({ stream, request });
          for (const w of this.waiters.splice(0)) w();
        });
        call.on('error', () => {});
        call.on('end', () => call.end());
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  get streamCount(): number {
    return this.streams.length;
  }

  /** Resolves when a request arrives, or after `ms` milliseconds, whichever comes first. */
  private arrival(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The next request not yet returned by this method (waits up to `timeoutMs`). */
  async next(timeoutMs = 3000): Promise<RecordedDeltaRequest> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.requests.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no request within ${timeoutMs} ms (got ${this.requests.length})`);
      await this.arrival(left);
    }
    return this.requests[this.read++];
  }

  /** The first request (any stream, read or not) that `matches`, waiting up to `timeoutMs` for it. */
  async find(
    what: string,
    matches: (r: DeltaDiscoveryRequest) => boolean,
    timeoutMs = 5000,
  ): Promise<DeltaDiscoveryRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find((r) => matches(r.request));
      if (found) return found.request;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms (got ${this.requests.length})`);
      await this.arrival(left);
    }
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
    this.streams[this.streams.length - 1].write(
      create(DeltaDiscoveryResponseSchema, {
        typeUrl,
        systemVersionInfo: `sys-${nonce}`,
        nonce,
        resources: resources.map(([name, version, r]) => ({ name, version, resource: anyPack(schema, r) })),
        removedResources: removed,
      }),
    );
  }

  /** Ends the newest stream with an error status, as a control plane restart would. */
  dropStream(): void {
    // grpc-js turns an 'error' on a server stream into the call's final status.
    this.streams[this.streams.length - 1].emit(
      'error',
      Object.assign(new Error('control plane restarting'), { code: grpc.status.UNAVAILABLE }),
    );
  }

  stop(): void {
    this.server.forceShutdown();
  }
}
