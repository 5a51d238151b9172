// Integration: HTTP/2 through the proxy — h2c with prior knowledge and h2 negotiated by ALPN over TLS on the
// downstream side, and HTTP/2 to upstreams whose cluster says http2 (from an HTTP/1.1 client too).
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import { selfSignedCert } from '../helpers/certs.js';
import {
  chain,
  closeServer,
  echoUpstream,
  forward,
  hcm,
  inlineTls,
  listener,
  request,
  resources,
  route,
  routeConfig,
  staticCluster,
  vhost,
} from './proxy-support.js';

function h2request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: string,
): Promise<{ headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const s = session.request(headers, { endStream: body === undefined });
    let out = '';
    let rh: http2.IncomingHttpHeaders = {};
    s.on('response', (h) => {
      rh = h;
    });
    s.on('data', (d) => {
      out += d;
    });
    s.on('end', () => resolve({ headers: rh, body: out }));
    s.on('error', reject);
    if (body !== undefined) s.end(body);
  });
}

describe('proxy HTTP/2', () => {
  let h1: Awaited<ReturnType<typeof echoUpstream>>;
  let h2up: http2.Http2Server;
  let proxy: ProxyServer;
  let stats: StatsStore;
  const cert = selfSignedCert('h2.test');

  before(async () => {
    h1 = await echoUpstream('h1');
    h2up = http2.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        res.setHeader('x-upstream-proto', req.httpVersion);
        res.end(
          JSON.stringify({ path: req.url, method: req.method, body, authority: req.headers[':authority'] }),
        );
      });
    });
    await new Promise<void>((r) => h2up.listen(0, '127.0.0.1', r));
    const h2port = (h2up.address() as net.AddressInfo).port;
    stats = new StatsStore();
    proxy = new ProxyServer({ stats });
    const rc = routeConfig('r', [
      vhost(
        'all',
        ['*'],
        [
          route('to-h2', forward('h2up'), { path: { kind: 'prefix', value: '/h2' } }),
          route('to-h1', forward('h1up')),
        ],
      ),
    ]);
    proxy.apply(
      resources(
        [
          listener('plain', [chain(hcm(rc))]),
          listener('tls', [chain(hcm(rc), { tls: inlineTls(cert, ['h2', 'http/1.1']) })]),
        ],
        [staticCluster('h1up', [h1.port]), staticCluster('h2up', [h2port], { upstreamProtocol: 'http2' })],
      ),
    );
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    await closeServer(h1.server);
    await new Promise<void>((r) => h2up.close(() => r()));
  });

  it('serves h2c prior knowledge and forwards to an HTTP/1.1 upstream', async () => {
    const session = http2.connect(`http://127.0.0.1:${proxy.listenerPort('plain')}`);
    try {
      const get = await h2request(session, { ':path': '/a?b=1', ':authority': 'svc.local' });
      assert.equal(get.headers[':status'], 200);
      assert.equal(get.headers.server, 'envoy');
      const echo = JSON.parse(get.body);
      assert.equal(echo.url, '/a?b=1');
      assert.equal(echo.headers.host, 'svc.local');
      const post = await h2request(session, { ':path': '/p', ':method': 'POST' }, 'x'.repeat(70_000));
      assert.equal(JSON.parse(post.body).body.length, 70_000);
      // Several streams at once on one connection.
      const many = await Promise.all(
        Array.from({ length: 10 }, (_, i) => h2request(session, { ':path': `/m/${i}` })),
      );
      assert.deepEqual(
        many.map((m) => JSON.parse(m.body).url),
        Array.from({ length: 10 }, (_, i) => `/m/${i}`),
      );
    } finally {
      session.close();
    }
    assert.ok(stats.counter('http.ingress.downstream_cx_http2_total').value >= 1);
  });

  it('negotiates h2 by ALPN over TLS', async () => {
    const session = http2.connect(`https://127.0.0.1:${proxy.listenerPort('tls')}`, {
      servername: 'h2.test',
      rejectUnauthorized: false,
    });
    try {
      const r = await h2request(session, { ':path': '/tls' });
      assert.equal(r.headers[':status'], 200);
      assert.equal(JSON.parse(r.body).headers['x-forwarded-proto'], 'https');
      assert.equal((session.socket as unknown as { alpnProtocol: string }).alpnProtocol, 'h2');
    } finally {
      session.close();
    }
  });

  it('speaks HTTP/2 to http2 clusters, from HTTP/2 and HTTP/1.1 clients', async () => {
    const session = http2.connect(`http://127.0.0.1:${proxy.listenerPort('plain')}`);
    try {
      const r = await h2request(
        session,
        { ':path': '/h2/x', ':method': 'POST', ':authority': 'up.local' },
        'hello',
      );
      assert.equal(r.headers['x-upstream-proto'], '2.0');
      assert.deepEqual(JSON.parse(r.body), {
        path: '/h2/x',
        method: 'POST',
        body: 'hello',
        authority: 'up.local',
      });
    } finally {
      session.close();
    }
    const viaH1 = await request(proxy.listenerPort('plain')!, {
      path: '/h2/from-h1',
      method: 'POST',
      body: 'abc',
    });
    assert.equal(viaH1.status, 200);
    assert.equal(viaH1.headers['x-upstream-proto'], '2.0');
    assert.equal(JSON.parse(viaH1.body).body, 'abc');
    const chunked = await request(proxy.listenerPort('plain')!, {
      path: '/h2/chunked',
      method: 'POST',
      body: 'chunky',
      headers: { 'transfer-encoding': 'chunked' },
    });
    assert.equal(JSON.parse(chunked.body).body, 'chunky');
    assert.ok(stats.counter('cluster.h2up.upstream_cx_http2_total').value >= 1);
  });
});
