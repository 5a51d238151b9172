// Integration: TLS to upstreams (Istio-style mTLS origination) — trust from the cluster's validation
// context, SPIFFE URI SAN matching, client certificates presented, ALPN h2 for http2 clusters.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type tls from 'node:tls';
import type { UpstreamTlsContext } from '../../src/proxy/config/tls.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import { selfSignedCert } from '../helpers/certs.js';
import {
  chain,
  closeServer,
  forward,
  hcm,
  listener,
  request,
  resources,
  route,
  routeConfig,
  staticCluster,
  vhost,
} from './proxy-support.js';

const SPIFFE = 'spiffe://cluster.local/ns/default/sa/reviews';

function upstreamTls(ca: string, san: string, client: { cert: string; key: string }): UpstreamTlsContext {
  return {
    common: {
      certificates: [{ kind: 'inline', certificateChain: client.cert, privateKey: client.key }],
      validation: {
        kind: 'inline',
        trustedCa: ca,
        matchSubjectAltNames: [{ sanType: 'URI', kind: 'exact', value: san }],
      },
      alpnProtocols: [],
    },
    sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
  };
}

describe('proxy upstream TLS', () => {
  const server = selfSignedCert('reviews', `URI:${SPIFFE}`);
  const client = selfSignedCert('productpage', 'URI:spiffe://cluster.local/ns/default/sa/productpage');
  let h1up: https.Server;
  let h2up: http2.Http2SecureServer;
  let proxy: ProxyServer;
  const seen: { sni: string; clientCert: boolean }[] = [];

  before(async () => {
    const opts = {
      cert: server.cert,
      key: server.key,
      requestCert: true,
      ca: client.cert,
      rejectUnauthorized: true,
    };
    h1up = https.createServer(opts, (req, res) => {
      const s = req.socket as tls.TLSSocket;
      seen.push({ sni: (s as unknown as { servername: string }).servername, clientCert: s.authorized });
      res.end('secure-h1');
    });
    h2up = http2.createSecureServer({ ...opts, allowHTTP1: false }, (_req, res) => res.end('secure-h2'));
    await new Promise<void>((r) => h1up.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => h2up.listen(0, '127.0.0.1', r));
    const p1 = (h1up.address() as net.AddressInfo).port;
    const p2 = (h2up.address() as net.AddressInfo).port;
    proxy = new ProxyServer({ stats: new StatsStore() });
    const rc = routeConfig('r', [
      vhost(
        'all',
        ['*'],
        [
          route('h2', forward('tls-h2'), { path: { kind: 'prefix', value: '/h2' } }),
          route('wrong', forward('tls-wrong-san'), { path: { kind: 'prefix', value: '/wrong' } }),
          route('h1', forward('tls-h1')),
        ],
      ),
    ]);
    proxy.apply(
      resources(
        [listener('l', [chain(hcm(rc))])],
        [
          staticCluster('tls-h1', [p1], { tls: upstreamTls(server.cert, SPIFFE, client) }),
          staticCluster('tls-h2', [p2], {
            tls: upstreamTls(server.cert, SPIFFE, client),
            upstreamProtocol: 'http2',
          }),
          staticCluster('tls-wrong-san', [p1], {
            tls: upstreamTls(server.cert, 'spiffe://cluster.local/ns/x/sa/y', client),
          }),
        ],
      ),
    );
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    await closeServer(h1up);
    await new Promise<void>((r) => h2up.close(() => r()));
  });

  it('originates mTLS over HTTP/1.1 with SNI and a client certificate', async () => {
    const r = await request(proxy.listenerPort('l')!, { path: '/x' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'secure-h1');
    assert.deepEqual(seen[0], {
      sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
      clientCert: true,
    });
  });

  it('originates TLS with ALPN h2 for http2 clusters', async () => {
    const r = await request(proxy.listenerPort('l')!, { path: '/h2' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'secure-h2');
  });

  it('refuses an upstream whose SAN does not match: 503 UF', async () => {
    const r = await request(proxy.listenerPort('l')!, { path: '/wrong' });
    assert.equal(r.status, 503);
    assert.match(r.body, /^upstream connect error or disconnect\/reset before headers/);
  });
});
