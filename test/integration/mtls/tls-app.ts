// A test workload that terminates TLS itself (its own certificate from $CERT_FILE/$KEY_FILE), as apps do that
// Istio's PERMISSIVE mode must leave alone: TLS without Istio's ALPN passes through the sidecar to it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const server = createServer(
  { cert: readFileSync(process.env.CERT_FILE ?? ''), key: readFileSync(process.env.KEY_FILE ?? '') },
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('served by the app over its own TLS\n');
  },
);
server.listen(Number(process.env.PORT ?? 8443), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
