// Integration: workload identity in the proxy over real TLS on 127.0.0.1 — an inbound mTLS listener fed by
// the SDS secret store (warming until its secrets arrive, certificates rotated without dropping HTTP/1.1
// keep-alive or HTTP/2 connections), expired and foreign-root client certificates refused, and two proxies
// built from Envoy bootstrap YAML exchanging peer metadata over mTLS with the principal, XFCC and peers
// visible to the app and in the access log.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { VirtualClock } from '../../src/common/clock.js';
import { CertificateAuthority } from '../../src/controlplane/ca/authority.js';
import { issueWorkload } from '../../src/controlplane/ca/ca-fixtures.test-util.js';
import type { StaticSecret } from '../../src/proxy/config/bootstrap.js';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { SecretStore } from '../../src/proxy/secrets/secret-store.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { AccessLogManager } from '../../src/proxy/stats/access-log/manager.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  CLIENT_ID,
  clientBootstrap,
  type Issued,
  SERVER_ID,
  serverBootstrap,
  startProxy,
} from './proxy-identity-support.js';
import {
  chain,
  closeServer,
  echoUpstream,
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

function workloadSecret(c: Issued): StaticSecret {
  return { name: 'default', certificateChain: c.certChainPem.join(''), privateKey: c.privateKeyPem };
}

/** Client TLS options presenting `c` and trusting `rootsPem` (no hostname check: SPIFFE identities). */
function clientTls(c: Issued, rootsPem: string): tls.ConnectionOptions {
  return {
    cert: c.certChainPem.slice(0, -1).join(''),
    key: c.privateKeyPem,
    ca: rootsPem,
    checkServerIdentity: () => undefined,
  };
}

interface TlsReply {
  status: number;
  body: string;
  serial: string;
  socket: tls.TLSSocket;
}

function httpsGet(
  port: number,
  opts: tls.ConnectionOptions,
  agent: https.Agent | false = false,
): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/', agent, ...opts }, (res) => {
      const socket = res.socket as tls.TLSSocket;
      const serial = socket.getPeerCertificate().serialNumber;
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial, socket }));
    });
    req.on('error', reject);
    req.end();
  });
}

function h2Get(session: http2.ClientHttp2Session): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = session.request({ ':path': '/' });
    let status = 0;
    let body = '';
    s.on('response', (h) => {
      status = Number(h[':status']);
    });
    s.on('data', (d) => {
      body += d;
    });
    s.on('end', () => resolve({ status, body }));
    s.on('error', reject);
  });
}

/** Serial numbers as Node prints them (upper-case hex, no leading zero pairs). */
function nodeSerial(serial: string): string {
  return serial.toUpperCase().replace(/^(00)+/, '');
}

describe('inbound mTLS listener fed by the SDS secret store', () => {
  let ca: CertificateAuthority;
  let foreign: CertificateAuthority;
  let roots: string;
  let server1: Issued;
  let server2: Issued;
  let client: Issued;
  let expiredClient: Issued;
  let foreignClient: Issued;
  let up: Awaited<ReturnType<typeof echoUpstream>>;
  let proxy: ProxyServer;
  const store = new SecretStore();
  const logs: AccessLogEntry[] = [];

  before(async () => {
    // The CA starts two hours in the past so it can sign a client certificate that has already expired.
    const clock = new VirtualClock(Date.now() - 2 * 3600_000);
    ca = await CertificateAuthority.selfSigned({ clock });
    expiredClient = await issueWorkload(ca, 'default', 'productpage', 60);
    clock.advance(2 * 3600_000);
    server1 = await issueWorkload(ca, 'default', 'reviews');
    server2 = await issueWorkload(ca, 'default', 'reviews');
    client = await issueWorkload(ca, 'default', 'productpage');
    foreign = await CertificateAuthority.selfSigned();
    foreignClient = await issueWorkload(foreign, 'default', 'productpage');
    roots = ca.trustBundlePem().join('');
    up = await echoUpstream('app');
    proxy = new ProxyServer({
      stats: new StatsStore(),
      secretStore: store,
      accessLog: { log: (e) => logs.push(e) },
    });
    const rc = routeConfig('inbound', [vhost('all', ['*'], [route('r', forward('app'))])]);
    proxy.apply(
      resources(
        [
          listener(
            'inbound',
            [
              chain(hcm(rc, { forwardClientCertDetails: 'APPEND_FORWARD' }), {
                tls: {
                  common: {
                    certificates: [{ kind: 'sds', name: 'default' }],
                    validation: { kind: 'sds', name: 'ROOTCA', matchSubjectAltNames: [] },
                    alpnProtocols: ['h2', 'http/1.1'],
                  },
                  requireClientCertificate: true,
                },
              }),
            ],
            { listenerFilters: ['envoy.filters.listener.tls_inspector'] },
          ),
          // Client certificates requested but optional (a validation context without require_client_certificate).
          listener('optional', [
            chain(hcm(rc, { forwardClientCertDetails: 'SANITIZE_SET' }), {
              tls: {
                common: {
                  certificates: [{ kind: 'sds', name: 'default' }],
                  validation: { kind: 'sds', name: 'ROOTCA', matchSubjectAltNames: [] },
                  alpnProtocols: [],
                },
                requireClientCertificate: false,
              },
            }),
          ]),
        ],
        [staticCluster('app', [up.port])],
      ),
    );
  });

  after(async () => {
    await proxy.close();
    await closeServer(up.server);
  });

  it('warms until its secrets arrive, then serves with the verified client principal and XFCC', async () => {
    assert.equal(proxy.listenerPort('inbound'), undefined, 'not bound without a certificate');
    assert.deepEqual(proxy.pendingSecrets().get('inbound'), ['default', 'ROOTCA']);
    assert.deepEqual(proxy.pendingSecrets().get('optional'), ['default', 'ROOTCA']);
    store.set([workloadSecret(server1), { name: 'ROOTCA', trustedCa: roots }]);
    await proxy.ready();
    assert.equal(proxy.pendingSecrets().size, 0);
    const r = await httpsGet(proxy.listenerPort('inbound')!, clientTls(client, roots));
    assert.equal(r.status, 200);
    assert.equal(r.serial, nodeSerial(server1.serial));
    const seen = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.match(
      seen.headers['x-forwarded-client-cert'],
      new RegExp(`^By=${SERVER_ID};Hash=[0-9a-f]{64};Subject="";URI=${CLIENT_ID}$`),
    );
    const entry = logs.at(-1)!;
    assert.equal(entry.downstreamPeerUriSan, CLIENT_ID);
    assert.equal(entry.downstreamLocalUriSan, SERVER_ID);
    assert.equal(entry.connectionSecurityPolicy, 'mutual_tls');
  });

  it('refuses an expired client certificate and one from a foreign root', async () => {
    const port = proxy.listenerPort('inbound')!;
    await assert.rejects(httpsGet(port, clientTls(expiredClient, roots)));
    await assert.rejects(httpsGet(port, clientTls(foreignClient, roots)));
    await assert.rejects(
      httpsGet(port, { ca: roots, checkServerIdentity: () => undefined }),
      'no certificate',
    );
  });

  it('a client offering only protocols we do not speak (Istio ALPN) completes the handshake, as with Envoy', async () => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: proxy.listenerPort('inbound')!,
      ALPNProtocols: ['istio-http/1.1', 'istio'],
      ...clientTls(client, roots),
    });
    const reply = await new Promise<string>((resolve, reject) => {
      let out = '';
      socket.on('secureConnect', () =>
        socket.write('GET / HTTP/1.1\r\nhost: reviews\r\nconnection: close\r\n\r\n'),
      );
      socket.on('data', (d) => {
        out += d;
      });
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    assert.equal(socket.alpnProtocol, false, 'no protocol selected');
    assert.match(reply, /^HTTP\/1.1 200 /);
    assert.equal(logs.at(-1)?.downstreamPeerUriSan, CLIENT_ID);
  });

  it('optional client certificates: none means no principal and no XFCC; a bad one is still refused', async () => {
    const port = proxy.listenerPort('optional')!;
    const anonymous = await httpsGet(port, { ca: roots, checkServerIdentity: () => undefined });
    assert.equal(anonymous.status, 200);
    const seen = JSON.parse(anonymous.body) as { headers: Record<string, string | undefined> };
    assert.equal(seen.headers['x-forwarded-client-cert'], undefined);
    assert.equal(logs.at(-1)?.connectionSecurityPolicy, 'none');
    assert.equal(logs.at(-1)?.downstreamPeerUriSan, '');
    assert.equal(logs.at(-1)?.downstreamLocalUriSan, SERVER_ID);
    const mutual = await httpsGet(port, clientTls(client, roots));
    assert.match(JSON.parse(mutual.body).headers['x-forwarded-client-cert'], new RegExp(`URI=${CLIENT_ID}$`));
    assert.equal(logs.at(-1)?.connectionSecurityPolicy, 'mutual_tls');
    await assert.rejects(httpsGet(port, clientTls(foreignClient, roots)));
  });

  it('rotates the certificate: open HTTP/1.1 and HTTP/2 connections keep serving, new ones see the new serial', async () => {
    const port = proxy.listenerPort('inbound')!;
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const h2 = http2.connect(`https://127.0.0.1:${port}`, clientTls(client, roots));
    try {
      const before1 = await httpsGet(port, clientTls(client, roots), agent);
      assert.equal(before1.serial, nodeSerial(server1.serial));
      assert.equal((await h2Get(h2)).status, 200);
      store.set([workloadSecret(server2)]);
      const fresh = await httpsGet(port, clientTls(client, roots));
      assert.equal(fresh.serial, nodeSerial(server2.serial), 'new handshakes present the new certificate');
      const after1 = await httpsGet(port, clientTls(client, roots), agent);
      assert.equal(after1.status, 200);
      assert.equal(after1.socket, before1.socket, 'the keep-alive connection survived the rotation');
      assert.equal(after1.serial, nodeSerial(server1.serial));
      const h2After = await h2Get(h2);
      assert.equal(h2After.status, 200, 'the HTTP/2 session survived the rotation');
      assert.equal(h2.destroyed, false);
      const h2Entry = logs.at(-1)!;
      assert.equal(h2Entry.protocol, 'HTTP/2');
      assert.equal(h2Entry.downstreamPeerUriSan, CLIENT_ID, 'HTTP/2 streams know their principal too');
    } finally {
      agent.destroy();
      h2.close();
    }
  });
});

describe('two sidecars over mTLS from bootstrap YAML', () => {
  let dir: string;
  let app: Awaited<ReturnType<typeof echoUpstream>>;
  let serverProxy: ProxyServer;
  let clientProxy: ProxyServer;
  const logs = new AccessLogManager({ flushIntervalMs: 10 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-identity-'));
    const ca = await CertificateAuthority.selfSigned();
    const rootsPem = ca.trustBundlePem().join('');
    app = await echoUpstream('reviews');
    serverProxy = startProxy(
      serverBootstrap(
        await issueWorkload(ca, 'default', 'reviews'),
        rootsPem,
        app.port,
        join(dir, 'server.log'),
      ),
      logs,
    );
    await serverProxy.ready();
    clientProxy = startProxy(
      clientBootstrap(
        await issueWorkload(ca, 'default', 'productpage'),
        rootsPem,
        serverProxy.listenerPort('virtualInbound')!,
        join(dir, 'client.log'),
      ),
      logs,
    );
    await clientProxy.ready();
  });

  after(async () => {
    await clientProxy.close();
    await serverProxy.close();
    await logs.closeAll();
    await closeServer(app.server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the app sees the caller in XFCC; both sides know their peer; exchange headers stay between proxies', async () => {
    const r = await request(clientProxy.listenerPort('outbound')!, {
      path: '/reviews/0',
      headers: {
        host: 'reviews:9080',
        'x-forwarded-client-cert': 'By=spiffe://forged;URI=spiffe://forged',
        'x-envoy-peer-metadata': 'forged',
      },
    });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { headers: Record<string, string | undefined> };
    const xfcc = seen.headers['x-forwarded-client-cert'] ?? '';
    assert.match(xfcc, new RegExp(`^By=${SERVER_ID};Hash=[0-9a-f]{64};Subject="";URI=${CLIENT_ID}$`));
    assert.equal(
      seen.headers['x-envoy-peer-metadata'],
      undefined,
      'the server app never sees exchange headers',
    );
    assert.equal(seen.headers['x-envoy-peer-metadata-id'], undefined);
    assert.equal(r.headers['x-envoy-peer-metadata'], undefined, 'the client app never sees them either');
    assert.equal(r.headers['x-envoy-peer-metadata-id'], undefined);
    await logs.flushAll();
    const server = JSON.parse(readFileSync(join(dir, 'server.log'), 'utf8').trim().split('\n').at(-1)!);
    assert.deepEqual(server, {
      local: SERVER_ID,
      peer_app: 'productpage',
      peer_namespace: 'default',
      peer_workload: 'productpage-v1',
      principal: CLIENT_ID,
      protocol: 'HTTP/1.1',
    });
    const client = JSON.parse(readFileSync(join(dir, 'client.log'), 'utf8').trim().split('\n').at(-1)!);
    assert.deepEqual(client, {
      upstream_principal: SERVER_ID,
      upstream_version: 'v1',
      upstream_workload: 'reviews-v1',
    });
  });

  it('the same over HTTP/2 between the proxies (ALPN h2 on the mTLS connection)', async () => {
    const r = await request(clientProxy.listenerPort('outbound')!, {
      path: '/h2/reviews/0',
      headers: { host: 'reviews:9080' },
    });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { headers: Record<string, string | undefined> };
    assert.match(seen.headers['x-forwarded-client-cert'] ?? '', new RegExp(`URI=${CLIENT_ID}$`));
    assert.equal(r.headers['x-envoy-peer-metadata'], undefined);
    await logs.flushAll();
    const server = JSON.parse(readFileSync(join(dir, 'server.log'), 'utf8').trim().split('\n').at(-1)!);
    assert.equal(server.principal, CLIENT_ID);
    assert.equal(server.protocol, 'HTTP/2');
    assert.equal(server.peer_workload, 'productpage-v1');
    const client = JSON.parse(readFileSync(join(dir, 'client.log'), 'utf8').trim().split('\n').at(-1)!);
    assert.equal(client.upstream_principal, SERVER_ID, 'the HTTP/2 session reports its peer SAN');
    assert.equal(client.upstream_workload, 'reviews-v1');
  });
});
