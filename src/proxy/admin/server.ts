// The admin HTTP server (Envoy's :15000): routes GET/POST requests to the handler table, enforces Envoy's
// "mutating endpoints need POST" rule with a 405, serves an HTML index at /, and closes the histogram
// intervals every stats flush period. node:http is fine here: the admin API is not a hot path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoggerRegistry } from '../../common/logger.js';
import type { PrometheusSource } from '../stats/prometheus.js';
import type { StatsStore } from '../stats/store.js';
import { AdminContext } from './context.js';
import { type AdminResponse, HANDLERS, HTML, helpText, TEXT } from './handlers.js';
import type { AdminSource } from './source.js';

export interface AdminServerOptions {
  source: AdminSource;
  stats: StatsStore;
  loggers?: LoggerRegistry;
  /** Listen address; Envoy's (and Istio's) default is 127.0.0.1:15000. Port 0 picks a free port. */
  host?: string;
  port?: number;
  version?: string;
  now?: () => number;
  /** How often histogram intervals close, ms (Envoy's stats_flush_interval, 5 s); 0 turns it off. */
  statsFlushIntervalMs?: number;
  prometheusSources?: PrometheusSource[];
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function indexHtml(): string {
  const rows = [...HANDLERS]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((h) => {
      const link = h.mutates
        ? `<form action="${h.path}" method="post"><button type="submit">${escapeHtml(h.path)}</button></form>`
        : `<a href="${h.path}">${escapeHtml(h.path)}</a>`;
      return `<tr><td>${link}</td><td>${escapeHtml(h.help)}</td></tr>`;
    })
    .join('\n');
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Trellis proxy admin</title></head><body>\n' +
    '<h1>Trellis proxy admin</h1>\n<table>\n<tr><th>Command</th><th>Description</th></tr>\n' +
    rows +
    '\n</table>\n</body></html>\n'
  );
}

export class AdminServer {
  readonly context: AdminContext;
  private readonly server: Server;
  private readonly host: string;
  private readonly port: number;
  private readonly flushIntervalMs: number;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(options: AdminServerOptions) {
    this.context = new AdminContext(options);
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 15000;
    this.flushIntervalMs = options.statsFlushIntervalMs ?? 5000;
    this.server = createServer((req, res) => this.serve(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  /** Adds a Prometheus text producer whose output is appended to /stats/prometheus (Istio's metrics). */
  addPrometheusSource(source: PrometheusSource): void {
    this.context.prometheusSources.push(source);
  }

  get healthCheckFailed(): boolean {
    return this.context.isHealthCheckFailed;
  }

  /** Listens; resolves with the bound address (useful with port 0). */
  start(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        if (this.flushIntervalMs > 0) {
          this.flushTimer = setInterval(() => this.context.stats.flushIntervals(), this.flushIntervalMs);
          this.flushTimer.unref();
        }
        resolve(this.address());
      });
    });
  }

  address(): { host: string; port: number } {
    const a = this.server.address() as AddressInfo | null;
    return { host: a?.address ?? this.host, port: a?.port ?? this.port };
  }

  /** Stops listening and drops idle keep-alive connections. */
  close(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = undefined;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** Computes the response for a method and URL; exported behaviour for tests without sockets too. */
  respond(method: string, rawUrl: string): AdminResponse {
    const url = new URL(rawUrl, 'http://admin');
    const path = url.pathname;
    if (path === '/' || path === '/index.html') return { status: 200, body: indexHtml(), contentType: HTML };
    if (path === '/help') return { status: 200, body: helpText(), contentType: TEXT };
    const handler = HANDLERS.find((h) => h.path === path);
    if (!handler) {
      return { status: 404, body: `invalid path. ${helpText()}`, contentType: TEXT };
    }
    if (handler.mutates && method !== 'POST') {
      return { status: 405, body: `Method ${method} not allowed, POST required.`, contentType: TEXT };
    }
    return handler.handle(url.searchParams, method, this.context);
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    // Request bodies are not used by any endpoint; drain them so keep-alive works.
    req.resume();
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    let response: AdminResponse;
    try {
      response = this.respond(method, req.url ?? '/');
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.context.loggers.get('admin').error(`admin ${req.url ?? ''} failed: ${msg}`);
      response = { status: 500, body: `internal error: ${msg}\n`, contentType: TEXT };
    }
    const body = Buffer.from(response.body, 'utf8');
    res.writeHead(response.status, {
      'content-type': response.contentType ?? TEXT,
      'content-length': body.length,
      'cache-control': 'no-cache, max-age=0',
      'x-content-type-options': 'nosniff',
    });
    if (response.afterSend) {
      const after = response.afterSend;
      res.once('finish', () => setImmediate(after));
    }
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
