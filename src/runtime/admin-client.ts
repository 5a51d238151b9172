// Small calls to a proxy's admin API that the supervisor needs: readiness and shutdown.
import { request } from 'node:http';

/** GET http://127.0.0.1:<port><path>; resolves to {status, body}; rejects on connection errors. */
export function adminGet(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('admin request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Waits until the proxy's /ready answers 200 (it has its first configuration), polling every `intervalMs`;
 * rejects after `timeoutMs` or as soon as `aborted()` says the proxy has gone.
 */
export async function waitReady(
  port: number,
  opts: { timeoutMs: number; intervalMs?: number; aborted?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const gone = opts.aborted?.();
    if (gone) throw new Error(gone);
    try {
      const r = await adminGet(port, '/ready');
      if (r.status === 200) return;
      last = `${r.status} ${r.body.trim()}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
  throw new Error(`proxy not ready after ${opts.timeoutMs} ms (last answer: ${last})`);
}
