// The control plane's config API over HTTP, behind `trellis apply -f`, `trellis get` and `trellis delete`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import { formatDiagnostic } from './api.js';
import { applyText, deleteText } from './apply-text.js';
import { resourceBody } from './file-edit.js';
import { normalizeKind } from './kinds.js';
import type { ConfigStore, StoredResource } from './store.js';

/** Largest accepted request body, in bytes. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The header naming the file the body came from, so diagnostics read `file:line` as analyze prints them. */
export const FILE_HEADER = 'x-trellis-file';

/**
 * Routes (all under /config; JSON answers unless `format=yaml`):
 * - `POST /config/apply` body: YAML/JSON text → `{ok, results: [{kind, namespace, name, action, messages,
 *   diagnostics}], messages}`; 200 when every document applied, 422 when any was refused.
 * - `POST /config/delete` body: YAML/JSON text → `{results: [{kind, namespace, name, deleted}]}`.
 * - `GET /config/resources?kind=&namespace=&name=` → `{revision, items}`: every resource, one kind, one
 *   namespace, or one resource (404 when absent); `format=yaml` gives a multi-document YAML body.
 * - `DELETE /config/resources?kind=&namespace=&name=` → `{deleted}` (404 when absent).
 * - `GET /config/diagnostics` → `{sources}`: the broken files and their findings.
 * Returns false for paths outside /config so the handler can share a server with other routes.
 */
export function createConfigApiHandler(
  store: ConfigStore,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/config' && !url.pathname.startsWith('/config/')) return false;
    handle(store, req, res, url).catch((err: unknown) => {
      send(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
    return true;
  };
}

async function handle(
  store: ConfigStore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = `${req.method} ${url.pathname}`;
  const q = url.searchParams;
  switch (route) {
    case 'POST /config/apply': {
      const body = await readBody(req, res);
      if (body === undefined) return;
      const file = headerValue(req, FILE_HEADER) ?? '<stdin>';
      const outcome = await applyText(store, body, file);
      const ok =
        outcome.diagnostics.every((d) => d.severity !== 'error') &&
        outcome.results.every((r) => r.action !== 'rejected');
      send(res, ok ? 200 : 422, {
        ok,
        results: outcome.results.map((r) => ({
          ...r.key,
          action: r.action,
          messages: r.diagnostics.map(formatDiagnostic),
          diagnostics: r.diagnostics,
        })),
        messages: outcome.diagnostics.map(formatDiagnostic),
        diagnostics: outcome.diagnostics,
      });
      return;
    }
    case 'POST /config/delete': {
      const body = await readBody(req, res);
      if (body === undefined) return;
      const outcome = await deleteText(store, body, headerValue(req, FILE_HEADER) ?? '<stdin>');
      send(res, 200, {
        results: outcome.results.map((r) => ({ ...r.key, deleted: r.deleted })),
        messages: outcome.diagnostics.map(formatDiagnostic),
      });
      return;
    }
    case 'GET /config/resources': {
      const kind = q.get('kind');
      const namespace = q.get('namespace') ?? undefined;
      const name = q.get('name');
      let items: readonly StoredResource[];
      if (kind && name !== null) {
        const one = store.get(kind, namespace ?? 'default', name);
        if (!one) {
          send(res, 404, { error: `${normalizeKind(kind)} ${namespace ?? 'default'}/${name} not found` });
          return;
        }
        items = [one];
      } else if (kind) items = store.list(kind, namespace);
      else items = store.all().filter((r) => namespace === undefined || r.metadata.namespace === namespace);
      if (q.get('format') === 'yaml') {
        res.writeHead(200, { 'content-type': 'application/yaml' });
        res.end(items.map((r) => stringify(resourceBody(r), { lineWidth: 0 })).join('---\n'));
        return;
      }
      send(res, 200, { revision: store.revision, items });
      return;
    }
    case 'DELETE /config/resources': {
      const kind = q.get('kind');
      const name = q.get('name');
      if (!kind || !name) {
        send(res, 400, { error: 'kind and name are required' });
        return;
      }
      const deleted = await store.delete(kind, q.get('namespace') ?? 'default', name);
      send(res, deleted ? 200 : 404, { deleted });
      return;
    }
    case 'GET /config/diagnostics':
      send(res, 200, {
        sources: store.diagnostics().map((s) => ({ ...s, messages: s.diagnostics.map(formatDiagnostic) })),
      });
      return;
    default:
      send(res, 404, { error: `no route ${route}` });
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      send(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
      req.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
