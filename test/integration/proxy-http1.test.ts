// Integration: HTTP/1.1 through the proxy over real sockets: forwarding, keep-alive reuse, bodies, and the
// headers the proxy adds (server, x-envoy-upstream-service-time, x-request-id, x-forwarded-proto).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
  closeServer,
  echoUpstream,
  forward,
  hcm,
  listener,
  rawExchange,
  request,
  resources,
  route,
  routeConfig,
  staticCluster,
  vhost,
} from './proxy-support.js';

describe('proxy HTTP/1.1', () => {
  let up: Awaited<ReturnType<typeof echoUpstream>>;
  let proxy: ProxyServer;
  let stats: StatsStore;
  let port: number;

  before(async () => {
    up = await echoUpstream('a');
    stats = new StatsStore();
    proxy = new ProxyServer({ stats });
    const rc = routeConfig('r', [vhost('all', ['*'], [route('default', forward('backend'))])]);
    proxy.apply(resources([listener('l', [chain(hcm(rc))])], [staticCluster('backend', [up.port])]));
    await proxy.ready();
    port = proxy.listenerPort('l')!;
  });

  after(async () => {
    await proxy.close();
    await closeServer(up.server);
  });

  it('forwards a GET and adds Envoy headers', async () => {
    const res = await request(port, { path: '/hello?x=1', headers: { host: 'example.com' } });
    assert.equal(res.status, 200);
    const echo = JSON.parse(res.body);
    assert.equal(echo.url, '/hello?x=1');
    assert.equal(echo.headers.host, 'example.com');
    assert.match(
      echo.headers['x-request-id'],
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.equal(echo.headers['x-envoy-expected-rq-timeout-ms'], '15000');
    assert.equal(res.headers.server, 'envoy');
    assert.match(String(res.headers['x-envoy-upstream-service-time']), /^\d+$/);
    assert.equal(stats.counter('http.ingress.downstream_rq_2xx').value >= 1, true);
    assert.equal(stats.counter('cluster.backend.upstream_rq_200').value >= 1, true);
  });

  it('keeps the caller x-request-id', async () => {
    const res = await request(port, { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(JSON.parse(res.body).headers['x-request-id'], 'abc-123');
  });

  it('streams request bodies with Content-Length and chunked framing', async () => {
    const a = await request(port, {
      method: 'POST',
      body: 'x'.repeat(100_000),
      headers: { 'content-length': '100000' },
    });
    assert.equal(JSON.parse(a.body).body.length, 100_000);
    const b = await request(port, {
      method: 'POST',
      body: 'hello chunked',
      headers: { 'transfer-encoding': 'chunked' },
    });
    assert.equal(JSON.parse(b.body).body, 'hello chunked');
  });

  it('reuses upstream connections across keep-alive requests', async () => {
    const before = stats.counter('cluster.backend.upstream_cx_total').value;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 20; i++) {
      const r = await request(port, { agent, path: `/n/${i}` });
      assert.equal(JSON.parse(r.body).url, `/n/${i}`);
    }
    agent.destroy();
    const opened = stats.counter('cluster.backend.upstream_cx_total').value - before;
    assert.ok(opened <= 1, `opened ${opened} upstream connections for 20 sequential requests`);
  });

  it('answers pipelined requests in order on one connection', async () => {
    const one = 'GET /p1 HTTP/1.1\r\nhost: a\r\n\r\n';
    const two = 'GET /p2 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n';
    const out = await rawExchange(port, one + two, 2000);
    const i1 = out.indexOf('"/p1"');
    const i2 = out.indexOf('"/p2"');
    assert.ok(i1 > 0 && i2 > i1, out);
  });

  it('answers Expect: 100-continue itself', async () => {
    const out = await rawExchange(
      port,
      'POST /c HTTP/1.1\r\nhost: a\r\nexpect: 100-continue\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi',
      2000,
    );
    assert.match(out, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(out, /"body":"hi"/);
  });
});
