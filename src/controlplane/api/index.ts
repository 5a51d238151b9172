// The control plane's HTTP API: `trellis apply/get/delete` (/apis/...), the debug endpoints (/debug/syncz,
// configz, registryz, analyze, push_status) and /metrics, as one handler the control plane's server mounts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diagnosticToFinding, type Finding, formatFinding, sortFindings } from '../../analyze/index.js';
import type { ConfigStore } from '../../config/index.js';
import type { ServiceRegistry } from '../../registry/index.js';
import type { MeshProxy } from '../model/proxy.js';
import type { ProxyStatus } from '../xds/status.js';
import { HttpError, readBody, sendError, sendJson, sendText } from './http.js';
import { type PushRecorder, pushStatus, renderPushMetrics } from './push-status.js';
import { registryView } from './registry-view.js';
import { applyText, deleteResource, listResources } from './resources.js';
import { defaultInstanceName, syncView } from './sync.js';

export { ConvergenceHistogram, PushRecorder, type PushStatus, pushStatus } from './push-status.js';
export { ADMIN_PORT_KEY } from './sync.js';
export * from './wire.js';

export interface ApiDeps {
  store: ConfigStore;
  /** Per-proxy sync status (AdsServer.status()). */
  status: () => ProxyStatus[];
  /** The connected proxies' models (AdsServer.connectedProxies()): names and admin ports for proxy-config. */
  proxies?: () => readonly MeshProxy[];
  /** Findings over the live config (analyzeResources over the store's resources and the registry). */
  analyze: () => Finding[];
  registry?: ServiceRegistry;
  /** The xDS server's push counters (AdsServer.stats). */
  pushStats?: () => { pushes: number; skipped: number };
  /**
   * Fed by the xDS server (AdsServerOptions.onPush = recorder.onPush): push counts since start and the
   * convergence histogram. Without it, only each connected proxy's last push is known.
   */
  pushes?: PushRecorder;
  /** This control plane's name in proxy-status (default: host name and pid). */
  instance?: string;
  /**
   * Computed status by `kind|namespace|name` (gatewayApiStatus of the current snapshot), added to what
   * `get` returns; without it resources come back as stored.
   */
  resourceStatus?: () => ReadonlyMap<string, unknown>;
}

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const RESOURCES = '/apis/resources';

/**
 * Returns the handler; it answers (and returns true) for its own paths, and returns false for any other
 * path without touching the response, so the server can try its other handlers.
 */
export function createApiHandler(deps: ApiDeps): ApiHandler {
  const instance = deps.instance ?? defaultInstanceName();
  const push = () =>
    pushStatus(deps.status(), {
      controlPlane: instance,
      serverStats: deps.pushStats?.(),
      recorder: deps.pushes,
    });

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const q = url.searchParams;
    const only = (allowed: string) => {
      if (method !== allowed) throw new HttpError(405, `${path} accepts ${allowed} only`);
    };
    if (path === '/apis/apply') {
      only('POST');
      const text = await readBody(req);
      const file = q.get('file') || '<api>';
      const out = await applyText(deps.store, text, file, q.get('namespace') || 'default');
      sendJson(res, out.status, out.body);
    } else if (path === RESOURCES) {
      only('GET');
      sendJson(res, 200, listResources(deps.store, q, deps.resourceStatus));
    } else if (path.startsWith(`${RESOURCES}/`)) {
      only('DELETE');
      sendJson(res, 200, await deleteResource(deps.store, path.slice(RESOURCES.length + 1)));
    } else if (path === '/debug/syncz') {
      only('GET');
      sendJson(res, 200, syncView(deps.status(), deps.proxies?.() ?? [], instance));
    } else if (path === '/debug/configz') {
      only('GET');
      sendJson(res, 200, {
        store: deps.store.name,
        revision: deps.store.revision,
        resources: deps.store.all(),
        diagnostics: deps.store.diagnostics(),
      });
    } else if (path === '/debug/registryz') {
      only('GET');
      sendJson(res, 200, registryView(deps.registry!));
    } else if (path === '/debug/analyze') {
      only('GET');
      // Broken source files too: their last good version keeps serving, but the user must hear about them.
      const broken = deps.store.diagnostics().flatMap((src) => src.diagnostics.map(diagnosticToFinding));
      const findings = sortFindings([...broken, ...deps.analyze()]);
      if (q.get('output') === 'text')
        sendText(res, 200, findings.map((f) => `${formatFinding(f)}\n`).join(''));
      else sendJson(res, 200, { findings });
    } else if (path === '/debug/push_status') {
      only('GET');
      sendJson(res, 200, push());
    } else if (path === '/metrics') {
      only('GET');
      sendText(res, 200, renderPushMetrics(push()), 'text/plain; version=0.0.4');
    }
  }

  const OWN =
    /^\/(apis\/apply|apis\/resources(\/.*)?|debug\/(syncz|configz|registryz|analyze|push_status)|metrics)$/;

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!OWN.test(url.pathname)) return false;
    // Without a registry, /debug/registryz is left to whoever else serves it.
    if (url.pathname === '/debug/registryz' && !deps.registry) return false;
    route(req, res, url).catch((err: unknown) => sendError(res, err));
    return true;
  };
}
