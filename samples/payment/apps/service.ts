// One small JSON service for the payment example (order, payment v1/v2, escrow, risk, notify): it answers
// with who it is and, for a call it handles, calls the services named in $CALLS (`risk:/check,notify:/send`)
// the way an app would in Kubernetes — by service name, through the mesh, forwarding trace headers.
import { createServer, type IncomingMessage } from 'node:http';

const name = process.env.SERVICE_NAME ?? 'service';
const version = process.env.SERVICE_VERSION ?? 'v1';
const calls = (process.env.CALLS ?? '')
  .split(',')
  .map((c) => c.trim())
  .filter(Boolean)
  .map((c) => {
    const [host, path] = c.split(':');
    return { host, path: path ?? '/' };
  });
const FORWARD = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-sampled',
  'end-user',
];
let served = 0;

function forwarded(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = { 'content-type': 'application/json' };
  for (const h of FORWARD) if (typeof req.headers[h] === 'string') out[h] = req.headers[h] as string;
  return out;
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith('/actuator/health')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ status: 'UP' }));
  }
  served++;
  const downstream: Record<string, unknown> = {};
  for (const c of calls) {
    try {
      const r = await fetch(`http://${c.host}${c.path}`, {
        method: 'POST',
        headers: forwarded(req),
        body: '{}',
        signal: AbortSignal.timeout(5000),
      });
      downstream[c.host] = r.status === 200 ? await r.json() : { status: r.status };
    } catch (err) {
      downstream[c.host] = { error: String(err) };
    }
  }
  const body = JSON.stringify({
    service: name,
    version,
    method: req.method,
    path: url.pathname,
    served,
    downstream,
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '0.0.0.0', () => {
  process.stdout.write(`${name} ${version} listening on ${JSON.stringify(server.address())}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
