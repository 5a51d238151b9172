// A Node.js peer proxy for the benchmark: a plain node:http server piping each request through
// http.request on a keep-alive Agent. Usage: node node-http-proxy.mjs --listen PORT --upstream HOST:PORT
import http from 'node:http';
import { endToEndHeaders, peerArgs } from './hop-by-hop.mjs';

const { listenPort, upstreamHost, upstreamPort } = peerArgs(process.argv);
// LIFO reuse keeps few sockets hot; no cap on sockets, like a sidecar's default pool.
const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo', keepAliveMsecs: 1000 });

const server = http.createServer((req, res) => {
  const upstreamReq = http.request(
    {
      host: upstreamHost,
      port: upstreamPort,
      method: req.method,
      path: req.url,
      headers: endToEndHeaders(req.headers),
      agent,
    },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, endToEndHeaders(upstreamRes.headers));
      upstreamRes.pipe(res);
    },
  );
  upstreamReq.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('upstream error\n');
  });
  req.pipe(upstreamReq);
});
server.keepAliveTimeout = 300_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(listenPort, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
