// Integration: HTTP/1.1 edge cases through the proxy — HEAD and 204 without bodies, chunked and
// read-until-close upstream responses, HTTP/1.0 clients, x-forwarded-for with use_remote_address, hop-by-hop
// header stripping, and connect timeouts (UF) against a listener whose accept queue is full.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
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

/** A raw upstream answering each request with a canned response chosen by path. */
function rawUpstream(): Promise<{ server: net.Server; port: number; heads: string[] }> {
  const heads: string[] = [];
  const server = net.createServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      buf = buf.slice(end + 4);
      heads.push(head);
      const path = head.split(' ')[1];
      if (path === '/chunked')
        s.write(
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
        );
      else if (path === '/close') s.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close body');
      else if (path === '/204') s.write('HTTP/1.1 204 No Content\r\n\r\n');
      else if (path === '/hop')
        s.write(
          'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive, x-private\r\nContent-Length: 2\r\n\r\nok',
        );
      else s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody');
    });
    s.on('error', () => {});
  });
  return new Promise((r) =>
    server.listen(0, '127.0.0.1', () =>
      r({ server, port: (server.address() as net.AddressInfo).port, heads }),
    ),
  );
}

describe('proxy HTTP/1.1 edge cases', () => {
  let raw: Awaited<ReturnType<typeof rawUpstream>>;
  let echo: Awaited<ReturnType<typeof echoUpstream>>;
  let blackhole: ChildProcess;
  let blackholePort: number;
  let proxy: ProxyServer;
  let stats: StatsStore;
  const fillers: net.Socket[] = [];
  const logs: AccessLogEntry[] = [];

  before(async () => {
    raw = await rawUpstream();
    echo = await echoUpstream('echo');
    // A listener with a zero backlog that never accepts: once its queue holds one connection, further
    // SYNs go unanswered and connects hang — a connect timeout without leaving 127.0.0.1.
    blackhole = spawn('python3', [
      '-c',
      'import socket,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)',
    ]);
    blackholePort = await new Promise<number>((resolve) =>
      blackhole.stdout!.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    for (let i = 0; i < 3; i++) {
      const f = net.connect(blackholePort, '127.0.0.1');
      f.on('error', () => {});
      fillers.push(f);
    }
    await new Promise((r) => setTimeout(r, 100));
    stats = new StatsStore();
    proxy = new ProxyServer({ stats, accessLog: { log: (e) => logs.push(e) } });
    const rc = routeConfig('r', [
      vhost(
        'all',
        ['*'],
        [
          route('echo', forward('echo'), { path: { kind: 'prefix', value: '/echo' } }),
          route('hole', forward('hole'), { path: { kind: 'prefix', value: '/hole' } }),
          route('raw', forward('raw')),
        ],
      ),
    ]);
    proxy.apply(
      resources(
        [
          listener('l', [chain(hcm(rc))]),
          listener('edge', [chain(hcm(rc, { useRemoteAddress: true, statPrefix: 'edge' }))]),
        ],
        [
          staticCluster('raw', [raw.port]),
          staticCluster('echo', [echo.port]),
          staticCluster('hole', [blackholePort], { connectTimeoutMs: 200 }),
        ],
      ),
    );
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    for (const f of fillers) f.destroy();
    blackhole.kill();
    await closeServer(raw.server);
    await closeServer(echo.server);
  });

  it('answers HEAD with headers only and keeps the connection usable', async () => {
    const out = await rawExchange(
      proxy.listenerPort('l')!,
      'HEAD /x HTTP/1.1\r\nhost: a\r\n\r\nGET /y HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
    );
    const responses = out.split('HTTP/1.1 200 OK').length - 1;
    assert.equal(responses, 2, out);
    assert.match(out, /content-length: 4\r\n/);
    assert.equal(out.split('body').length - 1, 1, 'only the GET carries a body');
  });

  it('relays 204 without a body and chunked bodies as sent', async () => {
    assert.equal((await request(proxy.listenerPort('l')!, { path: '/204' })).status, 204);
    const out = await rawExchange(
      proxy.listenerPort('l')!,
      'GET /chunked HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
    );
    assert.match(out, /transfer-encoding: chunked\r\n/i);
    assert.ok(out.endsWith('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), out);
  });

  it('re-frames a read-until-close upstream response as chunked for HTTP/1.1 clients', async () => {
    const r = await request(proxy.listenerPort('l')!, { path: '/close' });
    assert.equal(r.body, 'until-close body');
    assert.equal(r.headers['transfer-encoding'], 'chunked');
  });

  it('strips hop-by-hop headers both ways', async () => {
    const r = await request(proxy.listenerPort('l')!, {
      path: '/hop',
      headers: { 'keep-alive': 'timeout=1', 'proxy-connection': 'x' },
    });
    assert.equal(r.headers['keep-alive'], undefined);
    const head = raw.heads[raw.heads.length - 1].toLowerCase();
    assert.doesNotMatch(head, /keep-alive:|proxy-connection:/);
  });

  it('serves HTTP/1.0 clients and closes after the response', async () => {
    const out = await rawExchange(proxy.listenerPort('l')!, 'GET /x HTTP/1.0\r\n\r\n', 2000);
    assert.match(out, /^HTTP\/1\.1 200 OK/);
    assert.match(out, /connection: close/);
    assert.ok(out.endsWith('body'));
  });

  it('appends the peer to x-forwarded-for and sets x-forwarded-proto with use_remote_address', async () => {
    const r = await request(proxy.listenerPort('edge')!, {
      path: '/echo',
      headers: {
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-request-id': 'from-outside',
      },
    });
    const h = JSON.parse(r.body).headers;
    assert.equal(h['x-forwarded-for'], '203.0.113.7,127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-request-id'], 'from-outside', 'loopback peers are internal: their request id is kept');
  });

  it('fails a connect that times out with 503 UF and counts it', async () => {
    const t0 = Date.now();
    const r = await request(proxy.listenerPort('l')!, { path: '/hole' });
    assert.equal(r.status, 503);
    assert.equal(
      r.body,
      'upstream connect error or disconnect/reset before headers. reset reason: connection timeout',
    );
    assert.ok(Date.now() - t0 < 1500);
    assert.equal(stats.counter('cluster.hole.upstream_cx_connect_timeout').value, 1);
    assert.equal(logs.find((l) => l.upstreamCluster === 'hole')?.responseFlags, 'UF');
  });
});
