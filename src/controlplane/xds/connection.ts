// One ADS stream: the proxy on the other end, its watches per type URL, the generator table chosen for it
// (sidecar/gateway, or proxyless gRPC), and the send function (State of the World or delta, fixed by the
// RPC the proxy opened).
import type {
  DeltaDiscoveryResponse,
  DiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import type { MeshProxy } from '../model/proxy.js';
import { GENERATORS, type Generator } from '../translate/generators.js';
import type { WatchState } from './watch.js';

export class AdsConnection {
  readonly watches = new Map<string, WatchState>();
  /** Called on disconnect (e.g. to unregister the workload the proxy announced). */
  onClose: (() => void) | undefined;
  closed = false;

  constructor(
    /** Unique per stream: `<proxy id>-<n>`. */
    readonly id: string,
    readonly proxy: MeshProxy,
    readonly connectedAt: number,
    private readonly write: (r: DiscoveryResponse) => void,
    private readonly writeDelta?: (r: DeltaDiscoveryResponse) => void,
    /** Resources per type URL for this client: Envoy's (the default) or proxyless gRPC's. */
    readonly generators: Readonly<Record<string, Generator>> = GENERATORS,
    /** Which table `generators` is, for status: `grpc` for proxyless clients. */
    readonly generator: 'envoy' | 'grpc' = 'envoy',
  ) {}

  /** True for DeltaAggregatedResources streams. */
  get delta(): boolean {
    return this.writeDelta !== undefined;
  }

  send(r: DiscoveryResponse): void {
    if (!this.closed) this.write(r);
  }

  sendDelta(r: DeltaDiscoveryResponse): void {
    if (!this.closed) this.writeDelta?.(r);
  }
}
