// Integration: workload identity in the proxy over real TLS on 127.0.0.1 — an inbound mTLS listener fed by
// the SDS secret store (warming until its secrets arrive, certificates rotated without dropping HTTP/1.1
// keep-alive or HTTP/2 connections), expired and foreign-root client certificates refused, and two proxies
// built from Envoy bootstrap YAML exchanging peer metadata over mTLS with the principal, XFCC and peers
// visible to the app and in the access log.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import type tls from 'node:tls';
import { VirtualClock } from '../../src/common/clock.js';
import { CertificateAuthority } from '../../src/controlplane/ca/authority.js';
import { issueWorkload } from '../../src/controlplane/ca/ca-fixtures.test-util.js';
import type { StaticSecret } from '../../src/proxy/config/bootstrap.js';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { SecretStore } from '../../src/proxy/secrets/secret-store.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
  closeServer,
  echoUpstream,
  forward,
  hcm,
  listener,
  resources,
  route,
  routeConfig,
  staticCluster,
  vhost,
} from './proxy-support.js';

type Issued = Awaited<ReturnType<typeof issueWorkload>>;

const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/productpage';
const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/reviews';

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
          listener('inbound', [
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
    } finally {
      agent.destroy();
      h2.close();
    }
  });
});
