// The ADS server (State of the World): streams from proxies, per-type subscriptions with ACK/NACK tracking,
// debounced pushes of a new snapshot to the proxies it affects, and per-proxy sync status. Each stream gets
// a generator table: Envoy's for sidecars and gateways, proxyless gRPC's for GENERATOR=grpc nodes.

import type { JsonObject } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { hostMatches } from '../../api/host.js';
import { type Clock, systemClock } from '../../common/clock.js';
import type { Node } from '../../generated/envoy/config/core/v3/base_pb.js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { type MeshProxy, proxyFromNode } from '../model/proxy.js';
import type { Snapshot } from '../model/snapshot.js';
import { isProxyless, PROXYLESS_GENERATORS } from '../proxyless/index.js';
import { TranslateContext } from '../translate/context.js';
import { GENERATORS, TYPE_URLS } from '../translate/generators.js';
import { adsServiceDefinition } from './ads-service.js';
import { AdsConnection } from './connection.js';
import { Debouncer, type PushRequest } from './debounce.js';
import { applyDeltaSubscription, pushDeltaType } from './delta.js';
import { pushType } from './push.js';
import { connectionStatus, type ProxyStatus } from './status.js';
import { unaffectedTypes } from './unaffected-types.js';
import { newWatch, sameNames } from './watch.js';

/** Envoy's order for a full push: clusters, endpoints, listeners, routes (warming dependencies first). */
export const PUSH_ORDER = [TYPE_URLS.cluster, TYPE_URLS.endpoint, TYPE_URLS.listener, TYPE_URLS.route];

export interface AdsServerOptions {
  clock?: Clock;
  quietMs?: number;
  maxDelayMs?: number;
  /** Called when a proxy's first request arrives; the returned function runs when its stream closes. */
  onConnect?: (node: Node, proxy: MeshProxy) => (() => void) | undefined;
  log?: (message: string) => void;
  /** Proxies pushed between two turns of the event loop when a change is released (default 16). */
  pushSlice?: number;
  /** Called for each response sent; `delayMs` is the time since the change that caused it (pushes only). */
  onPush?: (push: { proxyId: string; typeUrl: string; delayMs?: number }) => void;
}

/** What changed between snapshots, to push only the proxies it can affect. */
export interface SnapshotChange {
  /** Every proxy. */
  full: boolean;
  /** Proxies that see one of these hosts (FQDNs or `*.` patterns). */
  hosts?: Iterable<string>;
  /** Proxies in these namespaces. */
  namespaces?: Iterable<string>;
  /** Every router (gateway) proxy. */
  routers?: boolean;
  reason?: string;
}

/** Proxies pushed per event-loop turn of a release: at 100 services, about 1 ms each. */
export const DEFAULT_PUSH_SLICE = 16;

/** A released push request working through the connections it may affect. */
interface PushRun {
  req: PushRequest;
  /** The connections open at release, and the index of the next one to look at. */
  pending: AdsConnection[];
  next: number;
  immediate?: NodeJS.Immediate;
}

export interface PushStats {
  pushes: number;
  /** Responses skipped because the generated resources did not change. */
  skipped: number;
}

export class AdsServer {
  private snapshot: Snapshot;
  private readonly connections = new Map<string, AdsConnection>();
  private readonly timers: Clock;
  private readonly debouncer: Debouncer;
  private grpcServer: grpc.Server | undefined;
  private connectionCounter = 0;
  private readonly pushSlice: number;
  /** Released pushes still going through their connections. */
  private readonly runs = new Set<PushRun>();
  readonly stats: PushStats = { pushes: 0, skipped: 0 };

  constructor(
    initial: Snapshot,
    private readonly options: AdsServerOptions = {},
  ) {
    this.snapshot = initial;
    this.timers = options.clock ?? systemClock;
    this.pushSlice = Math.max(1, options.pushSlice ?? DEFAULT_PUSH_SLICE);
    this.debouncer = new Debouncer(
      this.timers,
      (req) => this.release(req),
      options.quietMs,
      options.maxDelayMs,
    );
  }

  get current(): Snapshot {
    return this.snapshot;
  }

  /**
   * Takes a new snapshot. New streams see it at once; open streams get it after the debounce, and only the
   * proxies the change can affect (every proxy when `full`, else those that see one of `hosts`).
   */
  update(snapshot: Snapshot, change: SnapshotChange = { full: true }): void {
    const unaffected = unaffectedTypes(this.snapshot, snapshot);
    this.snapshot = snapshot;
    this.debouncer.push({
      full: change.full,
      hosts: new Set(change.hosts ?? []),
      namespaces: new Set(change.namespaces ?? []),
      routers: change.routers ?? false,
      reasons: change.reason ? [change.reason] : [],
      ...(unaffected.size > 0 ? { unaffectedTypes: unaffected } : {}),
    });
  }

  /** Releases any debounced push now and finishes it before returning. */
  flush(): void {
    this.debouncer.flush();
    this.drainRuns();
  }

  private affected(ctx: TranslateContext, req: PushRequest): boolean {
    if (req.full) return true;
    if (req.routers && ctx.proxy.type === 'router') return true;
    if (req.namespaces?.has(ctx.proxy.namespace)) return true;
    if (req.hosts.size === 0) return false;
    const patterns = [...req.hosts];
    const hit = (host: string) =>
      req.hosts.has(host) || patterns.some((p) => p.startsWith('*') && hostMatches(p, host));
    if (ctx.visibleServices().some((s) => hit(s.hostname))) return true;
    return ctx.proxyInstances().some((i) => hit(i.serviceHostname));
  }

  /**
   * Pushes a released request to the proxies it affects, `pushSlice` connections at a time: between slices
   * the event loop writes what was sent and reads ACKs, so the first proxies converge while the rest are
   * still being translated. Each slice reads the newest snapshot (a later change only makes it newer, and
   * unchanged types are not resent).
   */
  private release(req: PushRequest): void {
    const run: PushRun = { req, pending: [...this.connections.values()], next: 0 };
    this.runs.add(run);
    this.continueRun(run);
  }

  private continueRun(run: PushRun): void {
    run.immediate = undefined;
    const now = this.timers.now();
    let pushed = 0;
    while (run.next < run.pending.length && pushed < this.pushSlice) {
      const conn = run.pending[run.next++];
      if (conn.closed) continue;
      const ctx = new TranslateContext(this.snapshot, conn.proxy);
      if (!this.affected(ctx, run.req)) continue;
      this.pushAll(conn, ctx, false, run.req.start, now, run.req.unaffectedTypes);
      pushed++;
    }
    if (run.next >= run.pending.length) this.runs.delete(run);
    else run.immediate = setImmediate(() => this.continueRun(run));
  }

  /** Finishes every push in progress now (flush, shutdown). */
  private drainRuns(): void {
    for (const run of [...this.runs]) {
      if (run.immediate) clearImmediate(run.immediate);
      while (this.runs.has(run)) this.continueRun(run);
    }
  }

  private pushAll(
    conn: AdsConnection,
    ctx: TranslateContext,
    force: boolean,
    start: number | undefined,
    now: number,
    unaffected?: ReadonlySet<string>,
  ): void {
    const order = [
      ...PUSH_ORDER,
      ...[...conn.watches.keys()].filter((t) => !PUSH_ORDER.includes(t as never)),
    ];
    for (const typeUrl of order) {
      if (!conn.watches.has(typeUrl)) continue;
      // Only Envoy's generators are known not to read what the change touched (proxyless gRPC's differ).
      if (unaffected?.has(typeUrl) && conn.generator === 'envoy' && !force) {
        this.stats.skipped++;
        continue;
      }
      const outcome = conn.delta
        ? pushDeltaType(conn, ctx, typeUrl, force, now, start)
        : pushType(conn, ctx, typeUrl, force, now, start);
      if (outcome.sent) {
        this.stats.pushes++;
        this.options.onPush?.({
          proxyId: conn.proxy.id,
          typeUrl,
          ...(start !== undefined ? { delayMs: now - start } : {}),
        });
      } else this.stats.skipped++;
    }
  }

  /** Handles one request of a stream; returns the connection (created on the first request). */
  handleRequest(
    conn: AdsConnection | undefined,
    req: DiscoveryRequest,
    open: (node: Node) => AdsConnection,
  ): AdsConnection {
    const c = conn ?? open(req.node ?? ({ id: 'unknown' } as Node));
    const now = this.timers.now();
    const typeUrl = req.typeUrl;
    const w = c.watches.get(typeUrl);
    const ctx = () => new TranslateContext(this.snapshot, c.proxy);
    if (!w || req.responseNonce === '') {
      // A new subscription (or a reconnect re-request): answer it now.
      c.watches.set(typeUrl, { ...(w ?? newWatch(typeUrl, [])), names: [...req.resourceNames].sort() });
      if (pushType(c, ctx(), typeUrl, true, now).sent) this.sentOnRequest(c, typeUrl);
      return c;
    }
    if (req.responseNonce !== w.sentNonce) return c; // answers an older response: superseded, ignore
    if (req.errorDetail) {
      w.lastNack = {
        message: req.errorDetail.message,
        version: w.sentVersion ?? '',
        nonce: req.responseNonce,
        at: now,
      };
      this.options.log?.(
        `NACK from ${c.proxy.id} for ${typeUrl} version ${w.sentVersion}: ${req.errorDetail.message}`,
      );
    } else {
      w.ackedVersion = req.versionInfo;
      w.ackedNonce = req.responseNonce;
      w.ackedAt = now;
      if (w.sentAt !== undefined) w.lastAckLatencyMs = now - w.sentAt;
    }
    // Every SotW request, ACK or NACK, carries the whole subscription: gRPC clients add and drop names
    // in the same request that answers the last response.
    if (!sameNames(w.names, req.resourceNames)) {
      w.names = [...req.resourceNames].sort();
      if (pushType(c, ctx(), typeUrl, true, now).sent) this.sentOnRequest(c, typeUrl);
    }
    return c;
  }

  /** Handles one request of a delta stream: ACK/NACK by nonce, then subscription changes (answered at once). */
  handleDeltaRequest(
    conn: AdsConnection | undefined,
    req: DeltaDiscoveryRequest,
    open: (node: Node) => AdsConnection,
  ): AdsConnection {
    const c = conn ?? open(req.node ?? ({ id: 'unknown' } as Node));
    const now = this.timers.now();
    const w = c.watches.get(req.typeUrl);
    if (w?.delta && req.responseNonce !== '' && req.responseNonce === w.sentNonce) {
      if (req.errorDetail) {
        w.lastNack = {
          message: req.errorDetail.message,
          version: w.sentVersion ?? '',
          nonce: req.responseNonce,
          at: now,
        };
        this.options.log?.(`NACK from ${c.proxy.id} for ${req.typeUrl}: ${req.errorDetail.message}`);
      } else {
        w.ackedVersion = w.sentVersion;
        w.ackedNonce = req.responseNonce;
        w.ackedAt = now;
        if (w.sentAt !== undefined) w.lastAckLatencyMs = now - w.sentAt;
      }
    }
    const first = !w?.delta;
    const changed = applyDeltaSubscription(c, req);
    if (first || changed) {
      const ctx = new TranslateContext(this.snapshot, c.proxy);
      if (pushDeltaType(c, ctx, req.typeUrl, first, now).sent) this.sentOnRequest(c, req.typeUrl);
    }
    return c;
  }

  private sentOnRequest(c: AdsConnection, typeUrl: string): void {
    this.stats.pushes++;
    this.options.onPush?.({ proxyId: c.proxy.id, typeUrl });
  }

  private openConnection(
    node: Node,
    write: (r: DiscoveryResponse) => void,
    writeDelta?: (r: DeltaDiscoveryResponse) => void,
  ): AdsConnection {
    const proxy = proxyFromNode(node.id, (node.metadata ?? {}) as JsonObject, node.locality ?? {});
    // Proxyless gRPC clients (node metadata GENERATOR=grpc) get Istio's gRPC resources: named listeners
    // with API listeners, per-service route configs, and only the clusters and endpoints they ask for.
    const grpc = isProxyless(proxy);
    const conn = new AdsConnection(
      `${proxy.id}-${++this.connectionCounter}`,
      proxy,
      this.timers.now(),
      write,
      writeDelta,
      grpc ? PROXYLESS_GENERATORS : GENERATORS,
      grpc ? 'grpc' : 'envoy',
    );
    this.connections.set(conn.id, conn);
    conn.onClose = this.options.onConnect?.(node, proxy);
    this.options.log?.(`ADS stream opened: ${conn.id}${grpc ? ' (proxyless gRPC)' : ''}`);
    return conn;
  }

  private closeConnection(conn: AdsConnection | undefined): void {
    if (!conn || conn.closed) return;
    conn.closed = true;
    this.connections.delete(conn.id);
    conn.onClose?.();
    this.options.log?.(`ADS stream closed: ${conn.id}`);
  }

  /** The gRPC handlers, for adding the service to a server the caller owns. */
  handlers(): grpc.UntypedServiceImplementation {
    return {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
        let conn: AdsConnection | undefined;
        call.on('data', (req: DiscoveryRequest) => {
          try {
            conn = this.handleRequest(conn, req, (node) => this.openConnection(node, (r) => call.write(r)));
          } catch (err) {
            this.options.log?.(`ADS request failed: ${err instanceof Error ? err.stack : String(err)}`);
          }
        });
        const done = () => this.closeConnection(conn);
        call.on('end', () => {
          done();
          call.end();
        });
        call.on('error', done);
        call.on('cancelled', done);
        call.on('close', done);
      },
      DeltaAggregatedResources: (
        call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
      ) => {
        let conn: AdsConnection | undefined;
        call.on('data', (req: DeltaDiscoveryRequest) => {
          try {
            conn = this.handleDeltaRequest(conn, req, (node) =>
              this.openConnection(
                node,
                () => {},
                (r) => call.write(r),
              ),
            );
          } catch (err) {
            this.options.log?.(`delta ADS request failed: ${err instanceof Error ? err.stack : String(err)}`);
          }
        });
        const done = () => this.closeConnection(conn);
        call.on('end', () => {
          done();
          call.end();
        });
        call.on('error', done);
        call.on('cancelled', done);
        call.on('close', done);
      },
    };
  }

  /**
   * Starts a gRPC server on host:port (0 = any free port); resolves with the bound port. `register` adds
   * other services to the same server (the CA's CSR service shares the xDS port, as istiod's does).
   */
  async listen(host: string, port: number, register?: (server: grpc.Server) => void): Promise<number> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    server.addService(adsServiceDefinition, this.handlers());
    register?.(server);
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    });
    this.grpcServer = server;
    return bound;
  }

  /** Per-connection sync status, ordered by proxy id. */
  status(): ProxyStatus[] {
    return [...this.connections.values()]
      .map(connectionStatus)
      .sort((a, b) => a.proxyId.localeCompare(b.proxyId));
  }

  /**
   * The resource names a connected proxy subscribed to, per type URL (its newest stream), or undefined when
   * it is not connected. Proxyless gRPC clients' config dumps are generated from these.
   */
  subscriptions(proxyId: string): Map<string, string[]> | undefined {
    const conns = [...this.connections.values()].filter((c) => c.proxy.id === proxyId);
    const conn = conns.at(-1);
    if (!conn) return undefined;
    return new Map([...conn.watches].map(([typeUrl, w]) => [typeUrl, [...w.names]]));
  }

  connectedProxies(): MeshProxy[] {
    return [...this.connections.values()].map((c) => c.proxy);
  }

  async close(): Promise<void> {
    this.debouncer.close();
    for (const run of this.runs) if (run.immediate) clearImmediate(run.immediate);
    this.runs.clear();
    for (const c of [...this.connections.values()]) this.closeConnection(c);
    const server = this.grpcServer;
    this.grpcServer = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 1000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
