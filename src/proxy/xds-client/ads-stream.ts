// The ADS transport shared by the SotW and delta clients: one gRPC bidi stream over @grpc/grpc-js driving
// a protocol state (SubscriptionState), the node on each stream's first request, reconnects with jittered
// exponential back-off, Envoy's initial_fetch_timeout, and every accepted update reported through onUpdate.
import * as grpc from '@grpc/grpc-js';
import { type Clock, systemClock, type TimerHandle } from '../../common/clock.js';
import type { Node } from '../../generated/envoy/config/core/v3/base_pb.js';
import type { NodeIdentity, ProxyResources } from '../config/bootstrap.js';
import { DEFAULT_XDS_BACKOFF, ExponentialBackoff } from './backoff.js';
import type { DecodeOptions } from './decode-context.js';
import { toNodeMessage } from './node.js';
import { type NackInfo, XDS_ORDER, type XdsType } from './resource-codecs.js';
import type { StateStep, SubscriptionState, XdsTypeStatus } from './subscription-state.js';

/** Time source and timers: the common clock (src/common/clock.ts), the real one by default, virtual in tests. */
export type AdsClock = Clock;
export { systemClock };

export type AdsRequestEvent = {
  kind: 'request';
  typeUrl: string;
  /** SotW: the version acknowledged; '' in delta (versions are per resource). */
  versionInfo: string;
  nonce: string;
  /** SotW: the whole subscription; delta: resource_names_subscribe. */
  resourceNames: string[];
  /** Delta only: resource_names_unsubscribe. */
  unsubscribe?: string[];
  /** Delta only, on a type's first request of a stream: the versions held. */
  initialResourceVersions?: Record<string, string>;
  nack: boolean;
};

export type AdsEvent =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'disconnected'; error: string; retryInMs: number }
  | AdsRequestEvent
  | { kind: 'ack'; typeUrl: string; versionInfo: string }
  | { kind: 'nack'; typeUrl: string; nack: NackInfo }
  /** onUpdate (or the client itself) threw while handling a response. */
  | { kind: 'update-failed'; error: string };

export interface AdsClientOptions {
  /** Management server as `host:port`. */
  target: string;
  node: NodeIdentity;
  /** The bootstrap's ads_config.api_type: GRPC (State of the World, the default) or DELTA_GRPC (incremental). */
  apiType?: 'GRPC' | 'DELTA_GRPC';
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

/** One xDS flavour on the wire: its gRPC method, messages, and state machine. */
export interface AdsProtocol<Spec, Req extends { node?: Node }, Resp> {
  readonly method: string;
  readonly serialize: (m: Req) => Buffer;
  readonly deserialize: (b: Buffer) => Resp;
  readonly state: SubscriptionState<Spec> & { handleResponse(resp: Resp, nowMs: number): StateStep<Spec> };
  /** The wire message of one request (the node is added by the stream). */
  toMessage(spec: Spec): Req;
  describe(spec: Spec): AdsRequestEvent;
  /** Type and version of a response, for the 'ack'/'nack' events. */
  responseVersion(resp: Resp): { typeUrl: string; versionInfo: string };
}

/** The transport: keeps one stream of `protocol` open until stop(). */
export class AdsStream<Spec, Req extends { node?: Node }, Resp> {
  private readonly clock: AdsClock;
  private readonly backoff: ExponentialBackoff;
  private client: grpc.Client | undefined;
  private call: grpc.ClientDuplexStream<Req, Resp> | undefined;
  private retryTimer: TimerHandle | undefined;
  private initialFetchTimer: TimerHandle | undefined;
  private attempt = 0;
  private stopped = true;
  private connected = false;
  private sentNode = false;
  private readonly firstUpdate: Promise<void>;
  private resolveFirstUpdate!: () => void;

  constructor(
    private readonly options: AdsClientOptions,
    private readonly protocol: AdsProtocol<Spec, Req, Resp>,
  ) {
    this.clock = options.clock ?? systemClock;
    this.backoff = new ExponentialBackoff({
      ...(options.backoff ?? DEFAULT_XDS_BACKOFF),
      random: options.random,
    });
    this.firstUpdate = new Promise((resolve) => {
      this.resolveFirstUpdate = resolve;
    });
  }

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

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    if (this.initialFetchTimer !== undefined) this.clock.clearTimeout(this.initialFetchTimer);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.client?.close();
    this.client = undefined;
    this.connected = false;
  }

  whenFirstUpdate(): Promise<void> {
    return this.firstUpdate;
  }

  resources(): ProxyResources {
    return this.protocol.state.resources();
  }

  status(): AdsStatus {
    const types = {} as Record<XdsType, XdsTypeStatus>;
    for (const t of XDS_ORDER) types[t] = this.protocol.state.status(t);
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
      this.protocol.method,
      this.protocol.serialize,
      this.protocol.deserialize,
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
    call.on('data', (resp: Resp) => {
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
    const state = this.protocol.state;
    this.sendAll(state.streamStarted());
    if (state.waitingForInitialFetch && this.initialFetchTimer === undefined) {
      this.initialFetchTimer = this.clock.setTimeout(() => {
        this.initialFetchTimer = undefined;
        const r = state.initialFetchTimedOut();
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

  private onResponse(resp: Resp): void {
    const state = this.protocol.state;
    const r = state.handleResponse(resp, this.clock.now());
    const { typeUrl, versionInfo } = this.protocol.responseVersion(resp);
    if (r.nack) this.emit({ kind: 'nack', typeUrl, nack: r.nack });
    else if (r.changed) this.emit({ kind: 'ack', typeUrl, versionInfo });
    // Publish before acknowledging: the ACK tells the server the update is in use.
    if (r.changed) this.publish();
    if (!state.waitingForInitialFetch && this.initialFetchTimer !== undefined) {
      this.clock.clearTimeout(this.initialFetchTimer);
      this.initialFetchTimer = undefined;
    }
    this.sendAll(r.requests);
  }

  /** A locally held secret arrived or changed: resources waiting only for it may now be served. */
  localSecretsChanged(): void {
    const r = this.protocol.state.localSecretsChanged();
    if (this.connected) this.sendAll(r.requests);
    if (r.changed) this.publish();
  }

  private publish(): void {
    try {
      this.options.onUpdate(this.protocol.state.resources());
    } catch (err) {
      // The stream must survive a runtime bug; the event makes it visible.
      this.emit({ kind: 'update-failed', error: err instanceof Error ? err.message : String(err) });
    }
    this.resolveFirstUpdate();
  }

  private sendAll(specs: Spec[]): void {
    for (const s of specs) this.send(s);
  }

  private send(spec: Spec): void {
    const call = this.call;
    if (call === undefined) return;
    const req = this.protocol.toMessage(spec);
    // The node goes on the first request of each stream only (set_node_on_first_message_only).
    if (!this.sentNode) {
      req.node = toNodeMessage(this.options.node, this.options.userAgentVersion);
      this.sentNode = true;
    }
    this.emit(this.protocol.describe(spec));
    call.write(req);
  }
}
