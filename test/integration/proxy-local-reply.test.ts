// Integration: Envoy-style local replies and response flags (NR, UH, UF, UT, NC), and bad input over raw
// sockets — malformed HTTP/1.1 gets 400 and a protocol-error stat, oversized heads 431, never a crash.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
  closedPort,
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

describe('proxy local replies and bad input', () => {
  let up: Awaited<ReturnType<typeof echoUpstream>>;
  let slow: http.Server;
  let proxy: ProxyServer;
  let stats: StatsStore;
  let port: number;
  const logs: AccessLogEntry[] = [];

  before(async () => {
    up = await echoUpstream('a');
    slow = http.createServer((_req, res) => {
      setTimeout(() => res.end('late'), 2000).unref();
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const slowPort = (slow.address() as net.AddressInfo).port;
    const dead = await closedPort();
    stats = new StatsStore();
    proxy = new ProxyServer({ stats, accessLog: { log: (e) => logs.push(e) } });
    const rc = routeConfig('r', [
      vhost(
        'app',
        ['app.local'],
        [
          route('ok', forward('backend'), { path: { kind: 'prefix', value: '/ok' } }),
          route('empty', forward('empty'), { path: { kind: 'prefix', value: '/empty' } }),
          route('dead', forward('dead'), { path: { kind: 'prefix', value: '/dead' } }),
          route('slow', forward('slow', { timeoutMs: 100 }), { path: { kind: 'prefix', value: '/slow' } }),
          route('missing', forward('nope'), { path: { kind: 'prefix', value: '/missing' } }),
          route('idle', forward('slow', { timeoutMs: 0, idleTimeoutMs: 150 }), {
            path: { kind: 'prefix', value: '/idle' },
          }),
        ],
      ),
    ]);
    proxy.apply(
      resources(
        [listener('l', [chain(hcm(rc, { maxRequestHeadersKb: 4, requestHeadersTimeoutMs: 300 }))])],
        [
          staticCluster('backend', [up.port]),
          staticCluster('empty', []),
          staticCluster('dead', [dead]),
          staticCluster('slow', [slowPort]),
        ],
      ),
    );
    await proxy.ready();
    port = proxy.listenerPort('l')!;
  });

  after(async () => {
    await proxy.close();
    await closeServer(up.server);
    await closeServer(slow);
  });

  it('unknown route: 404 with empty body and flag NR', async () => {
    const res = await request(port, { path: '/nothing', headers: { host: 'app.local' } });
    assert.equal(res.status, 404);
    assert.equal(res.body, '');
    const other = await request(port, { path: '/ok', headers: { host: 'other.local' } });
    assert.equal(other.status, 404);
    assert.equal(stats.counter('http.ingress.no_route').value, 2);
    const e = logs.find((l) => l.path === '/nothing');
    assert.equal(e?.responseFlags, 'NR');
    assert.equal(e?.status, 404);
  });

  it('no endpoints: 503 "no healthy upstream", flag UH', async () => {
    const res = await request(port, { path: '/empty', headers: { host: 'app.local' } });
    assert.equal(res.status, 503);
    assert.equal(res.body, 'no healthy upstream');
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(logs.find((l) => l.path === '/empty')?.responseFlags, 'UH');
    assert.equal(stats.counter('cluster.empty.upstream_cx_none_healthy').value, 1);
  });

  it('refused connection: 503 UF with the connection failure reason', async () => {
    const res = await request(port, { path: '/dead', headers: { host: 'app.local' } });
    assert.equal(res.status, 503);
    assert.equal(
      res.body,
      'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
    );
    const e = logs.find((l) => l.path === '/dead');
    assert.equal(e?.responseFlags, 'UF');
    assert.equal(e?.upstreamCluster, 'dead');
    assert.equal(stats.counter('cluster.dead.upstream_cx_connect_fail').value, 1);
  });

  it('route timeout: 504 "upstream request timeout", flag UT', async () => {
    const t0 = Date.now();
    const res = await request(port, { path: '/slow', headers: { host: 'app.local' } });
    assert.equal(res.status, 504);
    assert.equal(res.body, 'upstream request timeout');
    assert.ok(Date.now() - t0 < 1500);
    assert.equal(logs.find((l) => l.path === '/slow')?.responseFlags, 'UT');
    assert.equal(stats.counter('cluster.slow.upstream_rq_timeout').value, 1);
  });

  it('stream idle timeout without a route timeout: 408 "stream timeout", flag SI', async () => {
    const res = await request(port, { path: '/idle', headers: { host: 'app.local' } });
    assert.equal(res.status, 408);
    assert.equal(res.body, 'stream timeout');
    assert.equal(logs.find((l) => l.path === '/idle')?.responseFlags, 'SI');
    assert.equal(stats.counter('http.ingress.downstream_rq_idle_timeout').value, 1);
  });

  it('unknown cluster: 503 with flag NC', async () => {
    const res = await request(port, { path: '/missing', headers: { host: 'app.local' } });
    assert.equal(res.status, 503);
    assert.equal(logs.find((l) => l.path === '/missing')?.responseFlags, 'NC');
  });

  const bad: [string, string][] = [
    ['header name with a space', 'GET /ok HTTP/1.1\r\nhost: app.local\r\nbad name: x\r\n\r\n'],
    ['control character in a value', 'GET /ok HTTP/1.1\r\nhost: app.local\r\nx: a\x01b\r\n\r\n'],
    ['bare LF line endings', 'GET /ok HTTP/1.1\nhost: app.local\n\n'],
    ['bare LF inside the head', 'GET /ok HTTP/1.1\r\nhost: app.local\nx: y\r\n\r\n'],
    [
      'Content-Length with Transfer-Encoding',
      'POST /ok HTTP/1.1\r\nhost: app.local\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'duplicate Content-Length',
      'POST /ok HTTP/1.1\r\nhost: app.local\r\ncontent-length: 1\r\ncontent-length: 1\r\n\r\nx',
    ],
    ['non-numeric Content-Length', 'POST /ok HTTP/1.1\r\nhost: app.local\r\ncontent-length: 1x\r\n\r\nx'],
    [
      'bad chunk size',
      'POST /ok HTTP/1.1\r\nhost: app.local\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    ],
    ['unknown transfer coding', 'POST /ok HTTP/1.1\r\nhost: app.local\r\ntransfer-encoding: gzip\r\n\r\n'],
    ['obsolete line folding', 'GET /ok HTTP/1.1\r\nhost: app.local\r\nx: a\r\n b\r\n\r\n'],
    ['bad request line', 'GET /ok HTTP/9.9\r\nhost: app.local\r\n\r\n'],
    ['missing Host on HTTP/1.1', 'GET /ok HTTP/1.1\r\n\r\n'],
    ['garbage', '\x16\x03\x01\x00\x05hello\r\n\r\n'],
  ];
  for (const [name, input] of bad) {
    it(`malformed request (${name}): 400 and a stat`, async () => {
      const before = stats.counter('http.ingress.downstream_cx_protocol_error').value;
      const out = await rawExchange(port, input);
      assert.match(out, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.match(out, /connection: close/);
      assert.equal(stats.counter('http.ingress.downstream_cx_protocol_error').value, before + 1);
    });
  }

  it('oversized request head: 431', async () => {
    const big = `GET /ok HTTP/1.1\r\nhost: app.local\r\nx-big: ${'a'.repeat(8000)}\r\n\r\n`;
    const out = await rawExchange(port, big);
    assert.match(out, /^HTTP\/1\.1 431 /);
    const endless = await rawExchange(port, `GET /ok HTTP/1.1\r\nx: ${'b'.repeat(6000)}`);
    assert.match(endless, /^HTTP\/1\.1 431 /);
  });

  it('survives 200 randomly mutated requests over real sockets', async () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const base =
      'POST /ok HTTP/1.1\r\nhost: app.local\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    const inputs = Array.from({ length: 200 }, () => {
      let t = base;
      for (let k = 0; k < 3; k++) {
        const pos = Math.floor(rnd() * t.length);
        t =
          t.slice(0, pos) +
          String.fromCharCode(Math.floor(rnd() * 256)) +
          t.slice(pos + (rnd() < 0.5 ? 1 : 0));
      }
      return t;
    });
    for (let i = 0; i < inputs.length; i += 20) {
      const outs = await Promise.all(
        inputs.slice(i, i + 20).map((t) => rawExchange(port, Buffer.from(t, 'latin1'), 500)),
      );
      for (const out of outs) assert.ok(out === '' || /^HTTP\/1\.1 [1-5]\d\d /.test(out), out.slice(0, 80));
    }
  });

  it('closes a request head that does not complete in time: 408', async () => {
    const before = stats.counter('http.ingress.downstream_rq_header_timeout').value;
    const t0 = Date.now();
    const out = await rawExchange(port, 'GET /ok HTTP/1.1\r\nhost: app.local\r\nx-slow: ', 2000);
    assert.match(out, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - t0 < 1500);
    assert.equal(stats.counter('http.ingress.downstream_rq_header_timeout').value, before + 1);
  });

  it('still serves after bad input', async () => {
    const res = await request(port, { path: '/ok', headers: { host: 'app.local' } });
    assert.equal(res.status, 200);
    assert.equal(stats.counter('http.ingress.downstream_rq_4xx').value > 0, true);
  });
});
