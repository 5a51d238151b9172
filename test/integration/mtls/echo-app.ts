// A test workload with no mesh code: answers every request with what it received (path and headers, so a
// test sees x-forwarded-client-cert); GET /call first fetches $CALL_URL by service name, through the mesh.
import { createServer } from 'node:http';

const server = createServer(async (req, res) => {
  const answer: Record<string, unknown> = {
    service: process.env.SERVICE_NAME ?? 'echo',
    path: req.url,
    headers: req.headers,
  };
  if (req.url === '/call' && process.env.CALL_URL) {
    try {
      const r = await fetch(process.env.CALL_URL, { signal: AbortSignal.timeout(5000) });
      answer.called = { status: r.status, body: r.status === 200 ? await r.json() : await r.text() };
    } catch (err) {
      answer.called = { status: 0, error: String(err) };
    }
  }
  const body = JSON.stringify(answer);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
