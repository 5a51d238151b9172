// Integration: listener filter chains over real sockets — SNI and transport protocol with TLS termination
// (openssl-made certs), plain-text protocol detection — and listener add/update/remove with drain.
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Listener } from '../../src/proxy/config/listener.js';
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

const toCluster = (c: string) => routeConfig(`to-${c}`, [vhost('all', ['*'], [route('r', forward(c))])]);

function httpsGet(port: number, servername: string): Promise<{ status: number; body: string; alpn: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        servername,
        path: '/',
        rejectUnauthorized: false,
        agent: false,
        headers: { host: servername },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            alpn: (res.socket as unknown as { alpnProtocol: string }).alpnProtocol,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('proxy listeners', () => {
  let a: Awaited<ReturnType<typeof echoUpstream>>;
  let b: Awaited<ReturnType<typeof echoUpstream>>;
  let c: Awaited<ReturnType<typeof echoUpstream>>;
  let proxy: ProxyServer;
  let stats: StatsStore;
  const certA = selfSignedCert('a.test');
  const certB = selfSignedCert('b.test');
  let tlsListener: Listener;

  before(async () => {
    a = await echoUpstream('a');
    b = await echoUpstream('b');
    c = await echoUpstream('c');
    stats = new StatsStore();
    proxy = new ProxyServer({ stats });
    tlsListener = listener(
      'tls',
      [
        chain(hcm(toCluster('a')), {
          name: 'sni-a',
          match: {
            prefixRanges: [],
            sourcePrefixRanges: [],
            serverNames: ['a.test'],
            transportProtocol: 'tls',
            applicationProtocols: [],
          },
          tls: inlineTls(certA),
        }),
        chain(hcm(toCluster('b')), {
          name: 'sni-b',
          match: {
            prefixRanges: [],
            sourcePrefixRanges: [],
            serverNames: ['*.b.test', 'b.test'],
            transportProtocol: 'tls',
            applicationProtocols: [],
          },
          tls: inlineTls(certB),
        }),
        chain(hcm(toCluster('c')), {
          name: 'plain',
          match: {
            prefixRanges: [],
            sourcePrefixRanges: [],
            serverNames: [],
            transportProtocol: 'raw_buffer',
            applicationProtocols: [],
          },
        }),
      ],
      { listenerFilters: ['envoy.filters.listener.tls_inspector'] },
    );
    proxy.apply(
      resources(
        [tlsListener, listener('plain', [chain(hcm(toCluster('a')))])],
        [staticCluster('a', [a.port]), staticCluster('b', [b.port]), staticCluster('c', [c.port])],
      ),
    );
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    for (const u of [a, b, c]) await closeServer(u.server);
  });

  it('routes TLS connections by SNI to their filter chain and terminates TLS', async () => {
    const port = proxy.listenerPort('tls')!;
    const ra = await httpsGet(port, 'a.test');
    assert.equal(JSON.parse(ra.body).name, 'a');
    assert.equal(JSON.parse(ra.body).headers['x-forwarded-proto'], 'https');
    const rb = await httpsGet(port, 'x.b.test');
    assert.equal(JSON.parse(rb.body).name, 'b');
  });

  it('sends plain text on the same port to the raw_buffer chain', async () => {
    const r = await request(proxy.listenerPort('tls')!, { headers: { host: 'a.test' } });
    assert.equal(JSON.parse(r.body).name, 'c');
  });

  it('closes connections that match no chain and counts them', async () => {
    const port = proxy.listenerPort('tls')!;
    await assert.rejects(httpsGet(port, 'unknown.test'));
    const name = 'listener.127.0.0.1_0.no_filter_chain_match';
    assert.ok(stats.counter(name).value >= 1);
  });

  it('updates a listener without touching unchanged ones, draining old connections', async () => {
    const plainPort = proxy.listenerPort('plain')!;
    const tlsPort = proxy.listenerPort('tls')!;
    // An idle keep-alive connection on the unchanged listener must survive the update.
    const keep = net.connect(tlsPort, '127.0.0.1');
    await new Promise((r) => keep.once('connect', r));
    let keepClosed = false;
    keep.on('close', () => {
      keepClosed = true;
    });
    // An open keep-alive connection on the changed listener gets `connection: close` on its next response.
    const old = net.connect(plainPort, '127.0.0.1');
    await new Promise((r) => old.once('connect', r));
    const cur = proxy.current()!;
    const updated = listener('plain', [chain(hcm(toCluster('b')))]);
    proxy.apply({ ...cur, listeners: new Map([...cur.listeners, ['plain', updated]]) });
    assert.equal(proxy.listenerPort('plain'), plainPort, 'same socket keeps accepting');
    const reply = await new Promise<string>((resolve) => {
      let out = '';
      old.on('data', (d) => {
        out += d;
      });
      old.on('close', () => resolve(out));
      old.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    });
    assert.match(reply, /connection: close/);
    assert.match(reply, /"name":"a"/, 'the old connection keeps its old config');
    const fresh = await request(plainPort);
    assert.equal(JSON.parse(fresh.body).name, 'b', 'new connections get the new config');
    assert.equal(keepClosed, false);
    keep.destroy();
  });

  it('keeps serving when a listener cannot be built (missing SDS secret) and reports it', async () => {
    const cur = proxy.current()!;
    const broken = listener('broken', [
      chain(hcm(toCluster('a')), {
        tls: {
          common: { certificates: [{ kind: 'sds', name: 'not-yet' }], alpnProtocols: [] },
          requireClientCertificate: false,
        },
      }),
    ]);
    proxy.apply({ ...cur, listeners: new Map([...cur.listeners, ['broken', broken]]) });
    assert.match(proxy.listenerErrors().get('broken') ?? '', /SDS secret not-yet/);
    assert.equal(proxy.listenerPort('broken'), undefined);
    const r = await httpsGet(proxy.listenerPort('tls')!, 'a.test');
    assert.equal(JSON.parse(r.body).name, 'a');
    proxy.apply(cur);
  });

  it('removes a listener: it stops accepting', async () => {
    const port = proxy.listenerPort('plain')!;
    const cur = proxy.current()!;
    const listeners = new Map(cur.listeners);
    listeners.delete('plain');
    proxy.apply({ ...cur, listeners });
    assert.equal(proxy.listenerPort('plain'), undefined);
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(request(port));
  });
});
