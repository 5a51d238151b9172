// The TCP proxy originates the upstream's TLS (auto mTLS for TCP services): a client proxy carries plain
// TCP bytes over mutual TLS with SPIFFE certificates to a server proxy that requires them, which hands the
// bytes to the app, half-close included; a server whose identity is not the expected one is refused (UF).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority } from '../../src/controlplane/ca/authority.js';
import { issueWorkload } from '../../src/controlplane/ca/ca-fixtures.test-util.js';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import { chain, listener, resources, staticCluster, tcpProxy } from './proxy-support.js';
import { clientMtls, echoOnEndApp, serverMtls } from './tcp-mtls-support.js';

const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/reviews';

/** Sends `data` over a fresh connection and resolves with everything read until the other side closes. */
function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(data));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
    });
    s.on('error', () => {});
    s.on('close', () => resolve(got));
    s.setTimeout(5000, () => s.destroy());
  });
}

describe('TCP proxy over mutual TLS', () => {
  let app: net.Server;
  let server: ProxyServer;
  let client: ProxyServer;
  const clientLogs: AccessLogEntry[] = [];
  let serverPort = 0;

  before(async () => {
    app = await echoOnEndApp();
    const ca = await CertificateAuthority.selfSigned();
    const roots = ca.trustBundlePem().join('');
    const serverCert = await issueWorkload(ca, 'default', 'reviews');
    const clientCert = await issueWorkload(ca, 'default', 'productpage');
    const downstream = serverMtls(serverCert, roots);
    server = new ProxyServer({ stats: new StatsStore() });
    server.apply(
      resources(
        [listener('in', [chain(tcpProxy('app'), { tls: downstream })])],
        [staticCluster('app', [(app.address() as net.AddressInfo).port])],
      ),
    );
    await server.ready();
    serverPort = server.listenerPort('in')!;
    const upstream = (expected: string) => clientMtls(clientCert, roots, expected);
    client = new ProxyServer({ stats: new StatsStore(), accessLog: { log: (e) => clientLogs.push(e) } });
    client.apply(
      resources(
        [
          listener('out', [chain(tcpProxy('reviews'))]),
          listener('out-wrong-id', [chain(tcpProxy('impostor'))]),
        ],
        [
          staticCluster('reviews', [serverPort], { tls: upstream(SERVER_ID) }),
          staticCluster('impostor', [serverPort], {
            tls: upstream('spiffe://cluster.local/ns/default/sa/other'),
          }),
        ],
      ),
    );
    await client.ready();
  });

  after(async () => {
    await client.close();
    await server.close();
    await new Promise<void>((r) => app.close(() => r()));
  });

  it('carries the bytes over mTLS to the app', async () => {
    // The client sends, then shuts down its side: the answer still comes back (half-close passes through).
    assert.equal(await exchange(client.listenerPort('out')!, 'hello'), 'echo:hello');
    // The server proxy takes nothing but mutual TLS: the same bytes in plain text reach no app.
    assert.equal(await exchange(serverPort, 'hello'), '');
  });

  it('refuses a server whose SPIFFE ID is not the expected one (UF)', async () => {
    assert.equal(await exchange(client.listenerPort('out-wrong-id')!, 'secret'), '');
    for (let i = 0; i < 50 && clientLogs.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(
      clientLogs.some((l) => l.upstreamCluster === 'impostor' && l.responseFlags === 'UF'),
      JSON.stringify(clientLogs.map((l) => [l.upstreamCluster, l.responseFlags])),
    );
  });
});
