// The control plane's debug endpoints: /debug/syncz (per-proxy xDS status), /debug/configz (config in the
// store and broken sources), /debug/registryz (services and instances), /debug/config_dump?proxyID=…
// (the generated config of a connected proxy), /ready.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConfigStore } from '../config/store.js';
import { isProxyless, proxylessConfigDump } from './proxyless/index.js';
import { TranslateContext } from './translate/context.js';
import { configDump } from './translate/dump.js';
import type { AdsServer } from './xds/server.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

export function debugHandler(store: ConfigStore, ads: AdsServer): HttpHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    switch (url.pathname) {
      case '/ready':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ready\n');
        return true;
      case '/debug/syncz':
        json(res, 200, ads.status());
        return true;
      case '/debug/configz':
        json(res, 200, {
          revision: store.revision,
          resources: store.all().map((r) => ({
            apiVersion: r.apiVersion,
            kind: r.kind,
            metadata: r.metadata,
            spec: r.spec,
            source: r.source,
          })),
          diagnostics: store.diagnostics(),
        });
        return true;
      case '/debug/registryz': {
        const snap = ads.current;
        json(res, 200, { version: snap.version, services: snap.services, instances: snap.instances });
        return true;
      }
      case '/debug/config_dump': {
        const id = url.searchParams.get('proxyID') ?? '';
        const proxy = ads.connectedProxies().find((p) => p.id === id || p.id.split('~')[2] === id);
        if (!proxy) {
          json(res, 404, {
            error: `no connected proxy "${id}"`,
            connected: ads.connectedProxies().map((p) => p.id),
          });
          return true;
        }
        const ctx = new TranslateContext(ads.current, proxy);
        // A proxyless gRPC client holds only what it subscribed to, built by the gRPC generator.
        json(
          res,
          200,
          isProxyless(proxy)
            ? proxylessConfigDump(ctx, ads.subscriptions(proxy.id) ?? new Map())
            : configDump(ctx),
        );
        return true;
      }
      default:
        return false;
    }
  };
}
