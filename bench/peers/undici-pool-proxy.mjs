// A Node.js peer proxy for the benchmark: a node:http server forwarding each request through an undici
// Pool (keep-alive connections to one origin), streaming the response straight into the server response.
// Usage: node undici-pool-proxy.mjs --listen PORT --upstream HOST:PORT
import http from 'node:http';
import { Pool } from 'undici';
import { endToEndHeaders, peerArgs } from './hop-by-hop.mjs';

const { listenPort, upstreamHost, upstreamPort } = peerArgs(process.argv);
const pool = new Pool(`http://${upstreamHost}:${upstreamPort}`, {
  connections: 128,
  pipelining: 1,
  keepAliveTimeout: 300_000,
  keepAliveMaxTimeout: 300_000,
});

const server = http.createServer((req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool.stream(
    {
      path: req.url,
      method: req.method,
      headers: endToEndHeaders(req.headers),
      body: hasBody ? req : null,
    },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, endToEndHeaders(headers));
      return res;
    },
    (err) => {
      if (!err) return;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('upstream error\n');
    },
  );
});
server.keepAliveTimeout = 300_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(listenPort, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
