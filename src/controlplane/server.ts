// The control plane process: a file-backed ConfigStore and the service registry (config + workloads that
// register through their proxies' ADS streams) feed a Snapshot, rebuilt on every change and served by the
// ADS server; an HTTP server carries /debug/* and any handlers added (the config API plugs in there).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyzeResources } from '../analyze/index.js';
import { type Clock, systemClock } from '../common/clock.js';
import { FileConfigStore } from '../config/file-store.js';
import type { ConfigStore } from '../config/store.js';
import { ConfigRegistry } from '../registry/config-registry.js';
import { LocalRegistry } from '../registry/local.js';
import { registrationFromNode } from '../registry/node-metadata.js';
import { createApiHandler, PushRecorder } from './api/index.js';
import type { CertificateAuthority } from './ca/authority.js';
import {
  type CaSetupOptions,
  DEFAULT_CERT_TTL_MS,
  registerCaService,
  setUpCertificateAuthority,
  watchRootExpiry,
} from './ca/index.js';
import { debugHandler, type HttpHandler } from './debug.js';
import { buildSnapshot } from './model/build.js';
import { gatewayApiStatus } from './model/gateway-api.js';
import { type MeshSettings, meshSettings } from './model/mesh.js';
import { setMissingCredentialLog } from './translate/sds/gateway-secrets.js';
import { type ChangeScope, configChangeScope } from './xds/scope.js';
import { AdsServer } from './xds/server.js';

export interface ControlPlaneOptions {
  configDir: string;
  /** Listen address of both servers (default 127.0.0.1). */
  host?: string;
  /** 0 = any free port. */
  xdsPort: number;
  httpPort: number;
  mesh?: Partial<MeshSettings>;
  clock?: Clock;
  /** Watch the config directory for changes (default true). */
  watch?: boolean;
  log?: (line: string) => void;
  /**
   * The CA: signing material under `stateDir`/ca (or the user's cacerts files) and the CSR service on the
   * xDS port. Absent: no CA (workloads get no certificates, so no mTLS).
   */
  ca?: Omit<CaSetupOptions, 'clock'>;
}

export class ControlPlane {
  private readonly handlers: HttpHandler[] = [];
  private readonly stops: (() => void)[] = [];
  private rebuildQueued = false;
  private pendingFull = false;
  private pendingRouters = false;
  private readonly pendingHosts = new Set<string>();
  private readonly pendingNamespaces = new Set<string>();
  private version = 0;
  xdsPort = 0;
  httpPort = 0;
  /** The CA, when the control plane runs one. */
  ca: CertificateAuthority | undefined;

  private constructor(
    readonly store: ConfigStore,
    readonly local: LocalRegistry,
    readonly registry: ConfigRegistry,
    readonly ads: AdsServer,
    readonly mesh: MeshSettings,
    private readonly http: Server,
    private readonly log: (line: string) => void,
  ) {}

  static async start(o: ControlPlaneOptions): Promise<ControlPlane> {
    const log = o.log ?? (() => {});
    // Gateway credentials that cannot be served are reported in this control plane's log.
    if (o.log) setMissingCredentialLog(o.log);
    // Mesh mTLS comes with the CA: without one, proxies have no certificates.
    const mesh = meshSettings({ meshMtls: o.ca !== undefined, ...o.mesh });
    const clock = o.clock ?? systemClock;
    const store = await FileConfigStore.open(o.configDir, { watch: o.watch ?? true });
    const local = new LocalRegistry({ clock });
    const registry = new ConfigRegistry(store, local, { domain: mesh.domain });
    const pushes = new PushRecorder();
    const ads = new AdsServer(buildSnapshot(store, registry, mesh, '0'), {
      clock,
      log,
      onPush: pushes.onPush,
      // Local mode: a proxy's workload joins the registry while its stream is open (plus a grace period).
      onConnect: (node) => {
        const reg = registrationFromNode({
          id: node.id,
          metadata: (node.metadata ?? {}) as Record<string, unknown>,
          locality: node.locality ?? {},
        });
        if (!reg.ok) {
          log(
            `proxy ${node.id} did not register: ${reg.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
          );
          return undefined;
        }
        return local.connect(reg.value);
      },
    });
    const http = createServer();
    const cp = new ControlPlane(store, local, registry, ads, mesh, http, log);
    http.on('request', (req, res) => cp.serve(req, res));
    cp.handlers.push(debugHandler(store, ads));
    // The config API (apply/get/delete) and the debug views the CLI reads, tried before the built-ins.
    cp.addHttpHandler(
      createApiHandler({
        store,
        status: () => ads.status(),
        proxies: () => ads.connectedProxies(),
        analyze: () =>
          analyzeResources(store.all(), { domain: mesh.domain, rootNamespace: mesh.rootNamespace }),
        pushStats: () => ads.stats,
        pushes,
        // Gateway API status as Istio would write it, computed from what the proxies are served.
        resourceStatus: () => gatewayApiStatus(ads.current),
      }),
    );
    cp.stops.push(
      store.watch((e) => {
        const scope = configChangeScope(e, mesh.domain, mesh.rootNamespace);
        if (!scope.none) cp.queueRebuild(scope);
      }),
      registry.onChange((change) =>
        cp.queueRebuild({
          full: false,
          hosts: [...change.hostnames],
          namespaces: [],
          routers: false,
          none: false,
        }),
      ),
      store.watchDiagnostics((all) => {
        for (const d of all)
          if (d.broken) log(`config ${d.source} has errors; its last good version keeps serving`);
      }),
    );
    const host = o.host ?? '127.0.0.1';
    const caSetup = o.ca
      ? await setUpCertificateAuthority({ trustDomain: mesh.trustDomain, ...o.ca, clock })
      : undefined;
    if (caSetup) {
      cp.ca = caSetup.ca;
      cp.stops.push(
        watchRootExpiry(caSetup.ca, {
          clock,
          // The next root is only in trust bundles until every proxy has renewed (at half its certificate's
          // life) and so trusts it; then it signs. A full certificate lifetime leaves margin.
          activationDelayMs: o.ca?.defaultTtlMs ?? DEFAULT_CERT_TTL_MS,
          onRotate: () => log('CA root rotation started: the next root is in the trust bundle'),
          onError: (err) =>
            log(`CA root rotation failed: ${err instanceof Error ? err.message : String(err)}`),
        }),
      );
      log(
        `CA: ${caSetup.ca.selfSigned ? 'self-signed root' : 'supplied root'} ${caSetup.ca.root.serialNumber}, trust domain ${caSetup.ca.trustDomain}`,
      );
    }
    cp.xdsPort = await ads.listen(host, o.xdsPort, (server) => {
      if (caSetup) registerCaService(server, caSetup.ca, caSetup.authenticator, { log });
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(o.httpPort, host, () => resolve());
    });
    cp.httpPort = (http.address() as AddressInfo).port;
    return cp;
  }

  /**
   * Adds an HTTP handler, tried in order before the built-in ones' 404: it returns true when it answered.
   * The config API (apply / get / delete) is added here by its owner.
   */
  addHttpHandler(handler: HttpHandler): void {
    this.handlers.unshift(handler);
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    try {
      for (const h of this.handlers) if (h(req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${req.method} ${req.url}\n`);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  /** Coalesces the changes of one tick into one snapshot rebuild, then hands it to the (debounced) ADS push. */
  private queueRebuild(scope: ChangeScope): void {
    this.pendingFull ||= scope.full;
    this.pendingRouters ||= scope.routers;
    for (const h of scope.hosts) this.pendingHosts.add(h);
    for (const n of scope.namespaces) this.pendingNamespaces.add(n);
    if (this.rebuildQueued) return;
    this.rebuildQueued = true;
    setImmediate(() => this.rebuild());
  }

  /** Rebuilds the snapshot now from the store and registry and queues the push to the proxies in scope. */
  rebuild(): void {
    this.rebuildQueued = false;
    const full = this.pendingFull;
    const routers = this.pendingRouters;
    const hosts = [...this.pendingHosts];
    const namespaces = [...this.pendingNamespaces];
    this.pendingFull = false;
    this.pendingRouters = false;
    this.pendingHosts.clear();
    this.pendingNamespaces.clear();
    const snapshot = buildSnapshot(this.store, this.registry, this.mesh, String(++this.version));
    this.ads.update(snapshot, { full, hosts, namespaces, routers, reason: full ? 'full' : 'scoped' });
    const scope = full
      ? 'every proxy'
      : [
          hosts.length > 0 ? `hosts ${hosts.join(', ')}` : '',
          namespaces.length > 0 ? `namespaces ${namespaces.join(', ')}` : '',
          routers ? 'gateways' : '',
        ]
          .filter((x) => x !== '')
          .join('; ');
    this.log(
      `snapshot ${snapshot.version}: ${snapshot.services.length} services, ${snapshot.configs.length} resources; push to ${scope || 'no proxy'}`,
    );
  }

  async close(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    await this.ads.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    this.registry.close();
    this.local.close();
    await this.store.close();
  }
}
