// The proxy's ADS client: one gRPC bidi stream of StreamAggregatedResources (SotW) over @grpc/grpc-js,
// driving AdsState (ACK/NACK, subscriptions, warming); reconnects with jittered exponential back-off and
// reports every accepted update through onUpdate.
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  type DiscoveryRequest,
  DiscoveryRequestSchema,
  type DiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { StatusSchema } from '../../generated/google/rpc/status_pb.js';
import type { NodeIdentity, ProxyResources } from '../config/bootstrap.js';
import { ADS_STREAM_METHOD, deserializeDiscoveryResponse, serializeDiscoveryRequest } from './ads-service.js';
import {
  AdsState,
  type NackInfo,
  type RequestSpec,
  XDS_ORDER,
  type XdsType,
  type XdsTypeStatus,
} from './ads-state.js';
import { DEFAULT_XDS_BACKOFF, ExponentialBackoff } from './backoff.js';
import type { DecodeOptions } from './decode-context.js';
import { toNodeMessage } from './node.js';

/** Time source and timers; the real clock by default, a virtual one in tests. */
export interface AdsClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: AdsClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type AdsEvent =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'disconnected'; error: string; retryInMs: number }
  | {
      kind: 'request';
      typeUrl: string;
      versionInfo: string;
      nonce: string;
      resourceNames: string[];
      nack: boolean;
    }
  | { kind: 'ack'; typeUrl: string; versionInfo: string }
  | { kind: 'nack'; typeUrl: string; nack: NackInfo }
  /** onUpdate (or the client itself) threw while handling a response. */
  | { kind: 'update-failed'; error: string };

export interface AdsClientOptions {
  /** Management server as `host:port`. */
  target: string;
  node: NodeIdentity;
  /** Called with a fresh snapshot after every accepted change. */
  onUpdate: (resources: ProxyResources) => void;
  /** Progress and problems, for logs and tests. */
  onEvent?: (event: AdsEvent) => void;
  /** Insecure by default (local mode); pass TLS credentials for a remote control plane. */
  credentials?: grpc.ChannelCredentials;
  /** Subscribe to CDS / LDS (Envoy's cds_config / lds_config); both by default. */
  cds?: boolean;
  lds?: boolean;
  clock?: AdsClock;
  /** Uniform [0, 1) for back-off jitter. */
  random?: () => number;
  backoff?: { baseMs: number; maxMs: number };
  /** How long initial clusters may wait for their endpoints before LDS starts anyway (Envoy's 15 s). */
  initialFetchTimeoutMs?: number;
  userAgentVersion?: string;
  decode?: DecodeOptions;
  /**
   * Whether the proxy holds a secret itself (its certificate agent's `default`/`ROOTCA`): resources that
   * name it do not wait for SDS. Call localSecretsChanged() when such a secret arrives or changes.
   */
  hasLocalSecret?: (name: string) => boolean;
}

export interface AdsStatus {
  target: string;
  connected: boolean;
  types: Record<XdsType, XdsTypeStatus>;
}

export class AdsClient {
  private readonly state: AdsState;
  private readonly clock: AdsClock;
  private readonly backoff: ExponentialBackoff;
  private client: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;
  private retryTimer: unknown;
  private initialFetchTimer: unknown;
  private attempt = 0;
  private stopped = true;
  private connected = false;
  private sentNode = false;
  private firstUpdate: Promise<void>;
  private resolveFirstUpdate!: () => void;

  constructor(private readonly options: AdsClientOptions) {
    this.state = new AdsState({
      cds: options.cds,
      lds: options.lds,
      decode: options.decode,
      hasLocalSecret: options.hasLocalSecret,
    });
    this.clock = options.clock ?? systemClock;
    this.backoff = new ExponentialBackoff({
      ...(options.backoff ?? DEFAULT_XDS_BACKOFF),
      random: options.random,
    });
    this.firstUpdate = new Promise((resolve) => {
      this.resolveFirstUpdate = resolve;
    });
  }

  /** Opens the stream (and keeps reopening it until stop()). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.client = new grpc.Client(
      this.options.target,
      this.options.credentials ?? grpc.credentials.createInsecure(),
      // A large mesh's CDS or EDS response easily passes gRPC's 4 MiB default; Envoy sets no limit either.
      { 'grpc.max_receive_message_length': -1 },
    );
    this.openStream();
  }

  /** Closes the stream and the channel; no reconnects afterwards. */
  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.retryTimer);
    this.clock.clearTimeout(this.initialFetchTimer);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.client?.close();
    this.client = undefined;
    this.connected = false;
  }

  /** Resolves after the first accepted update. */
  whenFirstUpdate(): Promise<void> {
    return this.firstUpdate;
  }

  resources(): ProxyResources {
    return this.state.resources();
  }

  /** Per type: accepted version, nonce, subscriptions, resources as received and the last NACK. */
  status(): AdsStatus {
    const types = {} as Record<XdsType, XdsTypeStatus>;
    for (const t of XDS_ORDER) types[t] = this.state.status(t);
    return { target: this.options.target, connected: this.connected, types };
  }

  private emit(e: AdsEvent): void {
    this.options.onEvent?.(e);
  }

  private openStream(): void {
    if (this.stopped || this.client === undefined) return;
    this.attempt++;
    this.emit({ kind: 'connecting', attempt: this.attempt });
    this.sentNode = false;
    const call = this.client.makeBidiStreamRequest(
      ADS_STREAM_METHOD,
      serializeDiscoveryRequest,
      deserializeDiscoveryResponse,
      new grpc.Metadata(),
    );
    this.call = call;
    let ended = false;
    const onEnd = (error: string) => {
      if (ended || this.call !== call) return;
      ended = true;
      this.call = undefined;
      this.connected = false;
      call.cancel();
      this.scheduleReconnect(error);
    };
    call.on('data', (resp: DiscoveryResponse) => {
      if (this.call !== call) return;
      this.connected = true;
      this.backoff.reset();
      try {
        this.onResponse(resp);
      } catch (err) {
        // A decoder bug must not take the process down; the response stays unanswered and visible.
        this.emit({
          kind: 'update-failed',
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      }
    });
    call.on('error', (err: grpc.ServiceError) =>
      onEnd(`${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`),
    );
    call.on('end', () => onEnd('stream closed by the server'));
    this.sendAll(this.state.streamStarted());
    if (this.state.waitingForInitialFetch && this.initialFetchTimer === undefined) {
      this.initialFetchTimer = this.clock.setTimeout(() => {
        this.initialFetchTimer = undefined;
        const r = this.state.initialFetchTimedOut();
        this.sendAll(r.requests);
        if (r.changed) this.publish();
      }, this.options.initialFetchTimeoutMs ?? 15_000);
    }
  }

  private scheduleReconnect(error: string): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.emit({ kind: 'disconnected', error, retryInMs: delay });
    this.retryTimer = this.clock.setTimeout(() => this.openStream(), delay);
  }

  private onResponse(resp: DiscoveryResponse): void {
    const r = this.state.handleResponse(resp, this.clock.now());
    if (r.nack) this.emit({ kind: 'nack', typeUrl: resp.typeUrl, nack: r.nack });
    else if (r.changed) this.emit({ kind: 'ack', typeUrl: resp.typeUrl, versionInfo: resp.versionInfo });
    // Publish before acknowledging: the ACK tells the server the update is in use.
    if (r.changed) this.publish();
    if (!this.state.waitingForInitialFetch && this.initialFetchTimer !== undefined) {
      this.clock.clearTimeout(this.initialFetchTimer);
      this.initialFetchTimer = undefined;
    }
    this.sendAll(r.requests);
  }

  /** A locally held secret arrived or changed: resources waiting only for it may now be served. */
  localSecretsChanged(): void {
    const r = this.state.localSecretsChanged();
    if (this.connected) this.sendAll(r.requests);
    if (r.changed) this.publish();
  }

  private publish(): void {
    try {
      this.options.onUpdate(this.state.resources());
    } catch (err) {
      // The stream must survive a runtime bug; the event makes it visible.
      this.emit({ kind: 'update-failed', error: err instanceof Error ? err.message : String(err) });
    }
    this.resolveFirstUpdate();
  }

  private sendAll(specs: RequestSpec[]): void {
    for (const s of specs) this.send(s);
  }

  private send(spec: RequestSpec): void {
    const call = this.call;
    if (call === undefined) return;
    const req = create(DiscoveryRequestSchema, {
      versionInfo: spec.versionInfo,
      typeUrl: spec.typeUrl,
      responseNonce: spec.responseNonce,
      resourceNames: spec.resourceNames,
    });
    if (spec.errorDetail) req.errorDetail = create(StatusSchema, spec.errorDetail);
    // The node goes on the first request of each stream only (set_node_on_first_message_only).
    if (!this.sentNode) {
      req.node = toNodeMessage(this.options.node, this.options.userAgentVersion);
      this.sentNode = true;
    }
    this.emit({
      kind: 'request',
      typeUrl: spec.typeUrl,
      versionInfo: spec.versionInfo,
      nonce: spec.responseNonce,
      resourceNames: spec.resourceNames,
      nack: spec.errorDetail !== undefined,
    });
    call.write(req);
  }
}
