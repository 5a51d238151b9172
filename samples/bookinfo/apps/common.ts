// What every BookInfo app shares: listening on $PORT, JSON replies, and the headers a mesh app forwards
// so traces join up and user-based routing (end-user) works downstream. No mesh code: plain HTTP.
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';

/** Headers an app copies from its inbound request onto the calls it makes (Istio's propagation list). */
export const PROPAGATED_HEADERS = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'x-ot-span-context',
  'end-user',
  'user-agent',
];

export function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The base URL of another service, as the app would write it in Kubernetes (`http://ratings:9080`). */
export function serviceUrl(name: string, fallbackPort = 9080): string {
  return process.env[`${name.toUpperCase()}_URL`] ?? `http://${name}:${fallbackPort}`;
}

/**
 * GET a JSON document with a timeout (ms, for the whole call); resolves to {status, body} or throws on
 * timeout/connection error. Plain node:http (not fetch, whose client costs ~20 MB per app); HTTP_PROXY still
 * applies, as it would for any app in the mesh.
 */
export function getJson(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** Serves `handler` on $HOST:$PORT (default 0.0.0.0:9080) and logs one line when listening. */
export function serve(name: string, handler: Handler): void {
  const port = Number(process.env.PORT ?? 9080);
  const host = process.env.HOST ?? '0.0.0.0';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return sendJson(res, 200, { status: `${name} is healthy` });
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, host, () => {
    const addr = server.address();
    const actual = typeof addr === 'object' && addr ? addr.port : port;
    process.stdout.write(`${name} listening on ${host}:${actual}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
