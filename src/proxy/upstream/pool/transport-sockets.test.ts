// Per-host transport choice through real sockets on 127.0.0.1: Istio auto mTLS (transport_socket_matches on
// endpoint metadata) originates mTLS with the SDS certificate to the host marked tlsMode=istio and plain text
// to the other, checks the server's SPIFFE ID, follows certificate rotation for new connections only, and
// fails the request (not the process) when secrets are missing.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { CertificateAuthority } from '../../../controlplane/ca/authority.js';
import { issueWorkload } from '../../../controlplane/ca/ca-fixtures.test-util.js';
import { ALPN_IN_MESH } from '../../../controlplane/translate/cluster/tls.js';
import { INBOUND_ALPN_HTTP } from '../../../controlplane/translate/listener/inbound-tls.js';
import type { StaticSecret } from '../../config/bootstrap.js';
import type { Cluster, ClusterLoadAssignment } from '../../config/cluster.js';
import type { UpstreamTlsContext } from '../../config/tls.js';
import { StatsStore } from '../../stats/store.js';
import { ClusterManager } from '../cluster-manager.js';
import type { Host } from '../lb/types.js';
import type { H1UpstreamConnection } from './h1-connection.js';
import type { ResetReason } from './types.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const CLIENT = 'spiffe://cluster.local/ns/default/sa/productpage';
/** What the translator gives both sides: a disjoint pair would fail every handshake on a Node server. */
const SERVER_ALPN = [...INBOUND_ALPN_HTTP];

function istioMutual(expectedSan: string): UpstreamTlsContext {
  return {
    common: {
      certificates: [{ kind: 'sds', name: 'default' }],
      validation: {
        kind: 'sds',
        name: 'ROOTCA',
        matchSubjectAltNames: [{ sanType: 'URI', kind: 'exact', value: expectedSan }],
      },
      alpnProtocols: [...ALPN_IN_MESH],
      minVersion: 'TLSv1_2',
      maxVersion: 'TLSv1_3',
    },
    sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
  };
}

function autoMtlsCluster(expectedSan: string): Cluster {
  return {
    name: 'outbound|9080||reviews.default.svc.cluster.local',
    type: 'EDS',
    connectTimeoutMs: 2000,
    lbPolicy: 'ROUND_ROBIN',
    lbConfig: { healthyPanicThreshold: 50, localityWeighted: false },
    circuitBreakers: [],
    upstreamProtocol: 'http1',
    idleTimeoutMs: 3_600_000,
    dnsRefreshRateMs: 60_000,
    dnsLookupFamily: 'V4_ONLY',
    metadata: {},
    transportSocketMatches: [
      { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, tls: istioMutual(expectedSan) },
      { name: 'tlsMode-disabled', match: {} },
    ],
  };
}

function assignment(name: string, meshPort: number, plainPort: number): ClusterLoadAssignment {
  const endpoint = (port: number, metadata: Record<string, Record<string, unknown>>) => ({
    address: { host: '127.0.0.1', port },
    healthStatus: 'HEALTHY' as const,
    weight: 1,
    metadata,
  });
  return {
    clusterName: name,
    overprovisioningFactor: 140,
    localities: [
      {
        locality: { region: '', zone: '', subZone: '' },
        priority: 0,
        endpoints: [
          endpoint(meshPort, { 'envoy.transport_socket_match': { tlsMode: 'istio' } }),
          endpoint(plainPort, {}),
        ],
      },
    ],
  };
}

/** What a server saw of one accepted connection. */
interface Seen {
  tls: boolean;
  clientSans?: string;
  clientSerial?: string;
  alpn?: string | false | null;
}

describe('transport socket matches on real sockets', () => {
  let ca: CertificateAuthority;
  let mtlsServer: tls.Server;
  let plainServer: net.Server;
  const seen: Seen[] = [];
  const open = new Set<net.Socket>();
  let secrets = new Map<string, StaticSecret>();
  const lookup = (name: string) => secrets.get(name);

  async function clientSecrets(): Promise<void> {
    const leaf = await issueWorkload(ca, 'default', 'productpage');
    secrets = new Map([
      [
        'default',
        { name: 'default', certificateChain: leaf.certChainPem.join(''), privateKey: leaf.privateKeyPem },
      ],
      ['ROOTCA', { name: 'ROOTCA', trustedCa: ca.trustBundlePem().join('') }],
    ]);
  }

  before(async () => {
    ca = await CertificateAuthority.selfSigned();
    const server = await issueWorkload(ca, 'default', 'reviews');
    await clientSecrets();
    mtlsServer = tls.createServer({
      cert: server.certChainPem.join(''),
      key: server.privateKeyPem,
      ca: ca.trustBundlePem().join(''),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: SERVER_ALPN,
    });
    mtlsServer.on('secureConnection', (s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
      const peer = s.getPeerCertificate();
      seen.push({
        tls: true,
        clientSans: peer.subjectaltname,
        clientSerial: peer.serialNumber,
        alpn: s.alpnProtocol,
      });
    });
    mtlsServer.on('tlsClientError', () => {});
    plainServer = net.createServer((s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.once('data', (d) => seen.push({ tls: d[0] === 0x16 }));
    });
    await new Promise<void>((r) => mtlsServer.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => plainServer.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    for (const s of open) s.destroy();
    await new Promise<void>((r) => mtlsServer.close(() => r()));
    await new Promise<void>((r) => plainServer.close(() => r()));
    ca.close();
  });

  function manager(expectedSan = REVIEWS) {
    const cm = new ClusterManager(new StatsStore(), () => 0, Date.now, lookup);
    const c = autoMtlsCluster(expectedSan);
    const meshPort = (mtlsServer.address() as net.AddressInfo).port;
    const plainPort = (plainServer.address() as net.AddressInfo).port;
    cm.apply(new Map([[c.name, c]]), new Map([[c.name, assignment(c.name, meshPort, plainPort)]]));
    const entry = cm.get(c.name)!;
    const host = (port: number) => entry.hostSet.hosts.find((h) => h.address.port === port)!;
    return { cm, entry, mesh: host(meshPort), plain: host(plainPort) };
  }

  /** Opens one pooled connection to `host` and resolves when it connected (or failed). */
  function connect(entry: ReturnType<typeof manager>['entry'], host: Host) {
    return new Promise<{ conn?: H1UpstreamConnection; failure?: ResetReason }>((resolve) => {
      const pool = entry.h1Pool(host);
      const conn = pool.acquire({
        onPoolReady: (c) => resolve({ conn: c }),
        onPoolFailure: (r) => resolve({ failure: r }),
      });
      if (conn === null) return;
      const done = () => resolve(conn.connected ? { conn } : { failure: 'connection failure' });
      conn.socket.once(conn.socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', done);
      conn.socket.once('close', done);
    });
  }

  it('originates mTLS to the tlsMode=istio host and plain text to the other', async () => {
    const { cm, entry, mesh, plain } = manager();
    seen.length = 0;
    const m = await connect(entry, mesh);
    assert.ok(m.conn?.socket instanceof tls.TLSSocket, 'mTLS to the meshed endpoint');
    assert.equal((m.conn.socket as tls.TLSSocket).alpnProtocol, 'istio-peer-exchange');
    const p = await connect(entry, plain);
    assert.ok(p.conn !== undefined && !(p.conn.socket instanceof tls.TLSSocket), 'plain text otherwise');
    p.conn.socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      seen.map((s) => [s.tls, s.clientSans, s.alpn]),
      [
        [true, `URI:${CLIENT}`, 'istio-peer-exchange'],
        [false, undefined, undefined],
      ],
    );
    cm.close();
  });

  it('refuses a server whose SPIFFE ID is not the one the cluster expects', async () => {
    const { cm, entry, mesh } = manager('spiffe://cluster.local/ns/default/sa/someone-else');
    const r = await connect(entry, mesh);
    assert.equal(r.failure, 'connection failure');
    cm.close();
  });

  it('reuses TLS options until the secret rotates; rotation reaches new connections only', async () => {
    const { cm, entry, mesh } = manager();
    const first = entry.tlsOptions(false, mesh);
    assert.equal(entry.tlsOptions(false, mesh), first, 'cached while the secrets are the same objects');
    seen.length = 0;
    const before = await connect(entry, mesh);
    assert.ok(before.conn?.connected);
    await clientSecrets(); // a rotation: the store holds new secret objects
    const second = entry.tlsOptions(false, mesh);
    assert.notEqual(second, first, 'rebuilt after rotation');
    // A new connection (the first is busy: not released to the pool) presents the new certificate.
    const afterRotation = await connect(entry, mesh);
    assert.ok(afterRotation.conn?.connected);
    for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0].clientSerial, seen[1].clientSerial, 'the rotated certificate was used');
    assert.equal(before.conn.socket.destroyed, false, 'the old connection stays open');
    cm.close();
  });

  it('HTTP/2 sessions originate the same mTLS (h2 over the istio context)', async () => {
    const leaf = await issueWorkload(ca, 'default', 'reviews');
    const h2server = http2.createSecureServer({
      cert: leaf.certChainPem.join(''),
      key: leaf.privateKeyPem,
      ca: ca.trustBundlePem().join(''),
      requestCert: true,
      rejectUnauthorized: true,
    });
    h2server.on('stream', (stream) => {
      const socket = stream.session?.socket as tls.TLSSocket | undefined;
      stream.respond({ ':status': 200 });
      stream.end(socket?.getPeerCertificate().subjectaltname ?? 'no peer');
    });
    await new Promise<void>((r) => h2server.listen(0, '127.0.0.1', r));
    const port = (h2server.address() as net.AddressInfo).port;
    const cm = new ClusterManager(new StatsStore(), () => 0, Date.now, lookup);
    const c = { ...autoMtlsCluster(REVIEWS), upstreamProtocol: 'http2' as const };
    cm.apply(new Map([[c.name, c]]), new Map([[c.name, assignment(c.name, port, 1)]]));
    const entry = cm.get(c.name)!;
    const host = entry.hostSet.hosts.find((h) => h.address.port === port)!;
    const session = entry.h2Pool(host).get()!;
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': '/' });
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => {
        text += d;
      });
      req.on('end', () => resolve(text));
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, `URI:${CLIENT}`);
    assert.equal((session.socket as tls.TLSSocket).alpnProtocol, 'h2');
    cm.close();
    session.destroy();
    await new Promise<void>((r) => h2server.close(() => r()));
  });

  it('a missing SDS secret fails the request with a connection failure; plain hosts still work', async () => {
    const saved = secrets;
    secrets = new Map();
    try {
      const { cm, entry, mesh, plain } = manager();
      assert.deepEqual(await connect(entry, mesh), { failure: 'connection failure' });
      assert.ok((await connect(entry, plain)).conn?.connected);
      cm.close();
    } finally {
      secrets = saved;
    }
  });
});
