// The listener manager: one net.Server per bound listener; each accepted connection is inspected when a
// filter chain needs it (TLS SNI/ALPN, plain-text HTTP version), matched to a filter chain, optionally
// TLS-terminated, and handed to the HTTP connection manager (HTTP/1.1 or HTTP/2) or the TCP proxy.
// Updates keep listeners whose config is unchanged; changed or removed ones drain their connections.
// When an SDS secret changes, the TLS chains naming it get a new SecureContext in place: established
// connections keep theirs, new handshakes use the new certificate. A listener whose secrets are not there
// yet warms (as in Envoy): it is not bound, or keeps its previous version, until they arrive.
import type http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { isDeepStrictEqual } from 'node:util';
import type { FilterChain, Listener } from '../config/listener.js';
import { type ConnectionSecurity, PLAINTEXT, tlsConnectionSecurity } from '../http/connection-security.js';
import { H1DownstreamConnection } from '../http/h1-downstream.js';
import { bindSessionSecurity, createH2Server } from '../http/h2-downstream.js';
import { HcmRuntime, type ProxyServices } from '../http/hcm.js';
import { ListenerStats, listenerStatAddress } from '../stats/http-stats.js';
import type { Counter, Gauge } from '../stats/store.js';
import {
  buildChainTls,
  type ChainTls,
  chainSecretNames,
  MissingSecretError,
  type SecretLookup,
} from './downstream-tls.js';
import { type ConnectionFacts, selectFilterChain } from './filter-chain-match.js';
import { TcpProxyRuntime } from './tcp-proxy.js';
import { inspect } from './tls-inspector.js';

const H2_PREFACE_START = Buffer.from('PRI * HTTP/2.0', 'latin1');
/** Envoy's listener filter timeout: give up inspecting after this long (ms) and match on what is known. */
const INSPECT_TIMEOUT_MS = 15_000;

interface Drainable {
  drain(): void;
  destroy(): void;
}

interface RuntimeChain {
  chain: FilterChain;
  http?: HcmRuntime;
  h2?: ReturnType<typeof createH2Server>;
  tcp?: TcpProxyRuntime;
  tls?: ChainTls;
  /** Terminates TLS (never listens itself: raw sockets are handed to it). */
  tlsServer?: tls.Server;
  /**
   * The same without ALPN, made on first use: for clients whose offered protocols (seen by the TLS
   * inspector) share none with ours. Envoy then completes the handshake without ALPN; Node would refuse
   * it (no_application_protocol), e.g. for Istio's `istio-peer-exchange` or `istio-http/1.1` offers.
   */
  tlsServerNoAlpn?: tls.Server;
  /** SDS secret names the chain's TLS context uses (empty for inline PEM or plain text). */
  secretNames: string[];
  /** ALPN offered by default when the context names none (h2 and http/1.1 for HTTP chains). */
  defaultAlpn: string[];
  /** Hands a handshaken socket of this chain to the listener (for servers made later). */
  onSecure?: (socket: tls.TLSSocket) => void;
}

/** A TLS terminator for the chain's settings, with or without ALPN (it never listens itself). */
function tlsServerFor(t: ChainTls, alpn: boolean, onSecure: (socket: tls.TLSSocket) => void): tls.Server {
  const server = tls.createServer(
    {
      ...t.options,
      ALPNProtocols: alpn && t.alpn.length > 0 ? t.alpn : undefined,
      requestCert: t.requestCert,
      rejectUnauthorized: t.requireClientCert,
    },
    onSecure,
  );
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return server;
}

/** Whether the client's offered ALPN (empty: none offered, or not inspected) leaves the handshake possible. */
function alpnOverlaps(ours: readonly string[], offered: readonly string[]): boolean {
  if (ours.length === 0 || offered.length === 0) return true;
  for (const p of offered) if (ours.includes(p)) return true;
  return false;
}

/** Called with each decrypted connection of a TLS filter chain. */
type SecureHandler = (gen: ListenerGeneration, rc: RuntimeChain, socket: tls.TLSSocket) => void;

/** One version of a listener's config, with the connections accepted under it. */
class ListenerGeneration {
  readonly chains: { match: FilterChain['match']; value: RuntimeChain }[];
  readonly defaultChain: RuntimeChain | undefined;
  readonly needsInspect: boolean;
  readonly httpInspector: boolean;
  readonly connections = new Set<Drainable>();
  private drainTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly config: Listener,
    services: ProxyServices,
    secrets: SecretLookup,
    onSecure: SecureHandler,
  ) {
    const build = (chain: FilterChain): RuntimeChain => {
      const f = chain.filter;
      const rc: RuntimeChain = {
        chain,
        secretNames: chain.tls === undefined ? [] : chainSecretNames(chain.tls),
        defaultAlpn: f.kind === 'http' && f.codec !== 'HTTP1' ? ['h2', 'http/1.1'] : [],
      };
      if (chain.tls !== undefined) {
        // Throws MissingSecretError while an SDS secret is absent: the listener manager warms the listener.
        const t = buildChainTls(chain.tls, secrets, rc.defaultAlpn);
        rc.tls = t;
        rc.onSecure = (socket) => onSecure(this, rc, socket);
        rc.tlsServer = tlsServerFor(t, true, rc.onSecure);
      }
      if (f.kind === 'http') {
        const scheme = chain.tls !== undefined ? 'https' : 'http';
        rc.http = new HcmRuntime(f, services, scheme, config.trafficDirection);
        rc.h2 = createH2Server(rc.http);
      } else rc.tcp = new TcpProxyRuntime(f, services, config.trafficDirection);
      return rc;
    };
    this.chains = config.filterChains.map((c) => ({ match: c.match, value: build(c) }));
    this.defaultChain = config.defaultFilterChain ? build(config.defaultFilterChain) : undefined;
    const lf = config.listenerFilters;
    this.httpInspector = lf.some((n) => n.includes('http_inspector'));
    this.needsInspect =
      lf.some((n) => n.includes('tls_inspector')) ||
      this.httpInspector ||
      config.filterChains.some(
        (c) =>
          c.match.serverNames.length > 0 ||
          (c.match.transportProtocol ?? '') !== '' ||
          c.match.applicationProtocols.length > 0,
      );
  }

  private allChains(): RuntimeChain[] {
    const out = this.chains.map((x) => x.value);
    if (this.defaultChain !== undefined) out.push(this.defaultChain);
    return out;
  }

  /**
   * Rebuilds the SecureContext of chains that use any of `changed`. New handshakes use it; connections
   * already established keep their own. A rebuild that fails (a secret was removed) keeps the old context.
   */
  refreshSecrets(changed: ReadonlySet<string>, secrets: SecretLookup): void {
    for (const rc of this.allChains()) {
      if (rc.tlsServer === undefined || rc.chain.tls === undefined) continue;
      if (!rc.secretNames.some((n) => changed.has(n))) continue;
      try {
        const t = buildChainTls(rc.chain.tls, secrets, rc.defaultAlpn);
        rc.tlsServer.setSecureContext(t.options);
        rc.tlsServerNoAlpn?.setSecureContext(t.options);
        rc.tls = t;
      } catch {
        // Keep serving with the last good context (a secret was withdrawn, or the new key is unusable).
      }
    }
  }

  /** Stops taking part in new traffic: connections finish their current request, then close. */
  drain(drainTimeMs: number): void {
    for (const c of [...this.chains.map((x) => x.value), ...(this.defaultChain ? [this.defaultChain] : [])]) {
      if (c.http) c.http.draining = true;
    }
    for (const c of this.connections) c.drain();
    this.drainTimer = setTimeout(() => this.closeAll(), Math.max(0, drainTimeMs));
    this.drainTimer.unref();
  }

  closeAll(): void {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    for (const c of this.connections) c.destroy();
    this.connections.clear();
  }
}

export class ActiveListener {
  private server: net.Server | null = null;
  private gen: ListenerGeneration;
  private readonly old = new Set<ListenerGeneration>();
  readonly ready: Promise<void>;
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxDestroy: Counter;
  readonly noFilterChainMatch: Counter;

  constructor(
    config: Listener,
    private readonly services: ProxyServices,
    private readonly secrets: SecretLookup,
  ) {
    this.gen = new ListenerGeneration(config, services, secrets, this.onSecure);
    const a = config.address;
    const ls = new ListenerStats(services.stats, listenerStatAddress(a.host, a.port));
    this.cxTotal = ls.counter.downstream_cx_total;
    this.cxActive = ls.gauge.downstream_cx_active;
    this.cxDestroy = ls.counter.downstream_cx_destroy;
    this.noFilterChainMatch = ls.counter.no_filter_chain_match;
    if (!config.bindToPort) {
      this.ready = Promise.resolve();
      return;
    }
    const server = net.createServer({ noDelay: true, pauseOnConnect: false }, this.onConnection);
    this.server = server;
    this.ready = new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: a.host, port: a.port, backlog: 1024 }, () => {
        server.removeListener('error', reject);
        server.on('error', () => {});
        resolve();
      });
    });
    this.ready.catch(() => {});
  }

  get config(): Listener {
    return this.gen.config;
  }

  /** The bound address (the real port when the config asked for port 0). */
  address(): net.AddressInfo | undefined {
    const a = this.server?.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  get connectionCount(): number {
    let n = this.gen.connections.size;
    for (const g of this.old) n += g.connections.size;
    return n;
  }

  /** SDS secrets changed: chains of the current config that use them get new TLS contexts. */
  secretsChanged(changed: ReadonlySet<string>): void {
    this.gen.refreshSecrets(changed, this.secrets);
  }

  /** Swaps in new config for new connections; connections of the previous config drain. */
  update(config: Listener): void {
    const prev = this.gen;
    this.gen = new ListenerGeneration(config, this.services, this.secrets, this.onSecure);
    this.retire(prev, config.drainTimeMs);
  }

  private retire(g: ListenerGeneration, drainTimeMs: number): void {
    this.old.add(g);
    g.drain(drainTimeMs);
    const check = setInterval(() => {
      if (g.connections.size === 0) {
        clearInterval(check);
        this.old.delete(g);
      }
    }, 250);
    check.unref();
  }

  /** Stops accepting; open connections drain for the listener's drain time, then close. */
  async close(drainTimeMs: number): Promise<void> {
    const s = this.server;
    this.server = null;
    this.retire(this.gen, drainTimeMs);
    if (s !== null) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Closes everything now. */
  destroy(): void {
    this.server?.close();
    this.server = null;
    this.gen.closeAll();
    for (const g of this.old) g.closeAll();
  }

  private readonly onConnection = (socket: net.Socket): void => {
    this.cxTotal.inc();
    this.cxActive.inc();
    socket.on('error', () => {});
    socket.once('close', () => {
      this.cxActive.dec();
      this.cxDestroy.inc();
    });
    const gen = this.gen;
    const facts: ConnectionFacts = {
      destinationPort: socket.localPort ?? 0,
      destinationIp: socket.localAddress ?? '',
      sourceIp: socket.remoteAddress ?? '',
      serverName: '',
      transportProtocol: 'raw_buffer',
      applicationProtocols: [],
    };
    if (!gen.needsInspect) {
      this.dispatch(gen, socket, null, facts);
      return;
    }
    let buf: Buffer | null = null;
    const finish = (): void => {
      clearTimeout(timer);
      socket.removeListener('data', onPeek);
      socket.removeListener('end', onEnd);
      socket.pause();
      this.dispatch(gen, socket, buf, facts);
    };
    const onPeek = (d: Buffer): void => {
      buf = buf === null ? d : Buffer.concat([buf, d]);
      const r = inspect(buf, gen.httpInspector);
      if (!r.done) return;
      facts.transportProtocol = r.result.transportProtocol;
      facts.serverName = r.result.serverName;
      facts.applicationProtocols = r.result.applicationProtocols;
      finish();
    };
    const onEnd = (): void => {
      socket.destroy();
    };
    const timer = setTimeout(finish, INSPECT_TIMEOUT_MS);
    socket.on('data', onPeek);
    socket.on('end', onEnd);
  };

  private dispatch(
    gen: ListenerGeneration,
    socket: net.Socket,
    first: Buffer | null,
    facts: ConnectionFacts,
  ): void {
    const rc = selectFilterChain(gen.chains, facts) ?? gen.defaultChain;
    if (rc === undefined) {
      this.noFilterChainMatch.inc();
      socket.destroy();
      return;
    }
    if (rc.tlsServer === undefined) {
      this.serve(gen, rc, socket, first, facts.applicationProtocols[0] ?? '');
      return;
    }
    let server = rc.tlsServer;
    if (rc.tls !== undefined && !alpnOverlaps(rc.tls.alpn, facts.applicationProtocols)) {
      rc.tlsServerNoAlpn ??= tlsServerFor(rc.tls, false, rc.onSecure!);
      server = rc.tlsServerNoAlpn;
    }
    if (first !== null) socket.unshift(first);
    server.emit('connection', socket);
  }

  private readonly onSecure: SecureHandler = (gen, rc, socket) => {
    socket.on('error', () => socket.destroy());
    const t = rc.tls;
    // An optional client certificate that was sent must still verify (requested, not required).
    if (t?.requestCert && !socket.authorized && hasPeerCertificate(socket)) {
      socket.destroy();
      return;
    }
    const sec = tlsConnectionSecurity(socket, t?.localUriSan ?? '');
    this.serve(gen, rc, socket, null, socket.alpnProtocol || '', sec);
  };

  private serve(
    gen: ListenerGeneration,
    rc: RuntimeChain,
    sock: net.Socket,
    first: Buffer | null,
    alpn: string,
    sec: ConnectionSecurity = PLAINTEXT,
  ): void {
    if (rc.tcp !== undefined) {
      const d: Drainable = { drain: () => {}, destroy: () => sock.destroy() };
      gen.connections.add(d);
      rc.tcp.handle(sock, first, () => gen.connections.delete(d));
      return;
    }
    const hcm = rc.http!;
    const codec = hcm.config.codec;
    if (
      codec === 'AUTO' &&
      first === null &&
      alpn !== 'h2' &&
      alpn !== 'http/1.1' &&
      !(sock instanceof tls.TLSSocket)
    ) {
      // Plain text without inspection: the first bytes tell HTTP/2 prior knowledge from HTTP/1.x.
      sock.once('data', (d: Buffer) => {
        sock.pause();
        this.serve(gen, rc, sock, d, '', sec);
      });
      sock.resume();
      return;
    }
    const h2 =
      codec === 'HTTP2' ||
      (codec === 'AUTO' && (alpn === 'h2' || alpn === 'h2c' || (first !== null && startsWithPreface(first))));
    if (h2) {
      let session: { close(): void; destroy(): void } | undefined;
      const grab = (s: http2.ServerHttp2Session): void => {
        session = s;
        if (sec !== PLAINTEXT) bindSessionSecurity(s, sec);
      };
      rc.h2!.once('session', grab);
      if (first !== null) sock.unshift(first);
      rc.h2!.emit('connection', sock);
      rc.h2!.removeListener('session', grab);
      const d: Drainable = {
        drain: () => session?.close(),
        destroy: () => {
          session?.destroy();
          sock.destroy();
        },
      };
      gen.connections.add(d);
      sock.once('close', () => gen.connections.delete(d));
      return;
    }
    const conn = new H1DownstreamConnection(sock, hcm, first, sec);
    const d: Drainable = { drain: () => conn.drain(), destroy: () => sock.destroy() };
    gen.connections.add(d);
    sock.once('close', () => gen.connections.delete(d));
    sock.resume();
  }
}

function hasPeerCertificate(socket: tls.TLSSocket): boolean {
  const c = socket.getPeerCertificate();
  return c !== null && typeof c === 'object' && Object.keys(c).length > 0;
}

function startsWithPreface(b: Buffer): boolean {
  const n = Math.min(b.length, H2_PREFACE_START.length);
  return n >= 3 && b.compare(H2_PREFACE_START, 0, n, 0, n) === 0;
}

export class ListenerManager {
  private readonly listeners = new Map<string, ActiveListener>();

  constructor(
    private readonly services: ProxyServices,
    private readonly secrets: SecretLookup,
  ) {}

  get(name: string): ActiveListener | undefined {
    return this.listeners.get(name);
  }

  entries(): IterableIterator<[string, ActiveListener]> {
    return this.listeners.entries();
  }

  /** SDS secrets changed (names): TLS contexts using them are rebuilt; warming listeners try again. */
  secretsChanged(names: readonly string[]): void {
    const changed = new Set(names);
    for (const l of this.listeners.values()) l.secretsChanged(changed);
    for (const [name, w] of [...this.warming]) {
      if (!w.missing.some((n) => changed.has(n))) continue;
      if (this.install(name, w.config)) {
        this.warming.delete(name);
        this.errors.delete(name);
      }
    }
  }

  /** Listeners waiting for SDS secrets (not bound yet, or still on their previous version): name → missing. */
  pendingSecrets(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [name, w] of this.warming) out.set(name, w.missing);
    return out;
  }

  /** Adds, updates and removes listeners; unchanged ones (deep-equal config) are left alone. */
  apply(next: ReadonlyMap<string, Listener>): void {
    this.errors.clear();
    this.warming.clear();
    for (const [name, l] of this.listeners) {
      if (!next.has(name)) {
        this.listeners.delete(name);
        void l.close(l.config.drainTimeMs);
      }
    }
    for (const [name, config] of next) {
      const cur = this.listeners.get(name);
      if (cur !== undefined && isDeepStrictEqual(cur.config, config)) continue;
      this.install(name, config);
    }
  }

  /**
   * Builds (or updates) one listener; false when it cannot be built. A listener that cannot be built keeps
   * its previous version; one missing only SDS secrets warms until secretsChanged() brings them.
   */
  private install(name: string, config: Listener): boolean {
    const cur = this.listeners.get(name);
    try {
      if (
        cur !== undefined &&
        isDeepStrictEqual(cur.config.address, config.address) &&
        cur.config.bindToPort === config.bindToPort
      ) {
        cur.update(config);
        return true;
      }
      const fresh = new ActiveListener(config, this.services, this.secrets);
      if (cur !== undefined) void cur.close(cur.config.drainTimeMs);
      this.listeners.set(name, fresh);
      return true;
    } catch (err) {
      this.errors.set(name, err instanceof Error ? err.message : String(err));
      if (err instanceof MissingSecretError) this.warming.set(name, { config, missing: err.names });
      return false;
    }
  }

  private readonly warming = new Map<string, { config: Listener; missing: string[] }>();

  /** Listeners the last apply could not build, with the reason (they keep serving their old config). */
  readonly errors = new Map<string, string>();

  /** Resolves when every listener is bound (rejects with the first bind error). */
  async ready(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.ready));
  }

  close(): void {
    for (const l of this.listeners.values()) l.destroy();
    this.listeners.clear();
  }
}
