// Integration: mutual TLS over 127.0.0.1 with certificates from the CA, fetched over gRPC with bootstrap
// tokens by CertificateRotators: the server reads the client's SPIFFE ID; foreign-root and expired
// certificates are refused; a rotated certificate serves new connections while open ones keep working.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { VirtualClock } from '../../src/common/clock.js';
import { CertificateAuthority } from '../../src/controlplane/ca/authority.js';
import { issueWorkload } from '../../src/controlplane/ca/ca-fixtures.test-util.js';
import { registerCaService } from '../../src/controlplane/ca/ca-service.js';
import { spiffeIdFromSubjectAltName } from '../../src/controlplane/ca/spiffe.js';
import { BootstrapTokenIssuer, generateTokenKey, JwtAuthenticator } from '../../src/controlplane/ca/token.js';
import { createWorkloadCertificateAgent } from '../../src/runtime/cert-client/ca-client.js';
import type { CertificateRotator, WorkloadCertificate } from '../../src/runtime/cert-client/rotator.js';

let ca: CertificateAuthority;
let grpcServer: grpc.Server;
let caAddress: string;
let issuer: BootstrapTokenIssuer;
const open: { close(): void }[] = [];

before(async () => {
  ca = await CertificateAuthority.selfSigned();
  const tokenKey = await generateTokenKey();
  issuer = new BootstrapTokenIssuer(tokenKey.privateKey);
  grpcServer = new grpc.Server();
  registerCaService(grpcServer, ca, new JwtAuthenticator(tokenKey.publicKey));
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  caAddress = `127.0.0.1:${port}`;
});

after(() => {
  for (const o of open) o.close();
  grpcServer.forceShutdown();
});

/** A workload's certificate agent talking to the CA over gRPC with its own bootstrap token. */
async function workload(namespace: string, serviceAccount: string): Promise<CertificateRotator> {
  const token = await issuer.issue(namespace, serviceAccount);
  const agent = createWorkloadCertificateAgent({ address: caAddress, token: () => token });
  open.push(agent);
  return agent.rotator;
}

function tlsOptions(cert: Pick<WorkloadCertificate, 'certChainPem' | 'privateKeyPem' | 'rootsPem'>) {
  return {
    cert: cert.certChainPem,
    key: cert.privateKeyPem,
    ca: cert.rootsPem,
    minVersion: 'TLSv1.2' as const,
  };
}

function spiffeOf(peer: tls.PeerCertificate): string | undefined {
  return spiffeIdFromSubjectAltName(peer.subjectaltname);
}

/** A server that answers each line with the client's SPIFFE ID and records TLS errors. */
async function spiffeEchoServer(cert: WorkloadCertificate, rejectUnauthorized = true) {
  const clientErrors: Error[] = [];
  /** Node's verdict on each client certificate (seen only when rejectUnauthorized is off). */
  const verdicts: (string | null)[] = [];
  const server = tls.createServer(
    { ...tlsOptions(cert), requestCert: true, rejectUnauthorized },
    (socket) => {
      verdicts.push(socket.authorized ? null : String(socket.authorizationError));
      const peer = spiffeOf(socket.getPeerCertificate());
      socket.on('data', (d) => socket.write(`${peer} ${d.toString().trim()}\n`));
      socket.on('error', () => {});
    },
  );
  server.on('tlsClientError', (err) => clientErrors.push(err));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  open.push({ close: () => server.close() });
  return { server, port: (server.address() as AddressInfo).port, clientErrors, verdicts };
}

/** Connects, checking the server's SPIFFE ID instead of a host name, as sidecars do. */
function connect(port: number, cert: Parameters<typeof tlsOptions>[0], expectServer: string) {
  return tls.connect({
    ...tlsOptions(cert),
    host: '127.0.0.1',
    port,
    checkServerIdentity: (_host, peer) =>
      spiffeOf(peer) === expectServer
        ? undefined
        : new Error(`server is ${spiffeOf(peer)}, not ${expectServer}`),
  });
}

async function ask(socket: tls.TLSSocket, line: string): Promise<string> {
  socket.write(line + '\n');
  const [data] = await once(socket, 'data');
  return String(data).trim();
}

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';

test('two CA-issued workloads do mutual TLS and the server reads the client SPIFFE ID', async () => {
  const server = await spiffeEchoServer(await (await workload('default', 'reviews')).start());
  const client = await (await workload('default', 'productpage')).start();
  const socket = connect(server.port, client, REVIEWS);
  await once(socket, 'secureConnect');
  assert.equal(socket.authorized, true);
  assert.equal(await ask(socket, 'hi'), 'spiffe://cluster.local/ns/default/sa/productpage hi');
  socket.end();
});

test('a client certificate from a foreign root, or an expired one, is refused by the server', async () => {
  const reviews = await (await workload('default', 'reviews')).start();
  const server = await spiffeEchoServer(reviews);
  // The same server without enforcement, to read Node's reason for each verdict.
  const inspector = await spiffeEchoServer(reviews, false);
  const foreign = await CertificateAuthority.selfSigned();
  const alien = await issueWorkload(foreign, 'default', 'productpage');
  const past = await CertificateAuthority.selfSigned({
    clock: new VirtualClock(Date.now() - 48 * 3600 * 1000),
  });
  const expired = await issueWorkload(past, 'default', 'productpage');
  const rootsPem = ca.trustBundlePem().join('');
  for (const [what, leaf, reason] of [
    ['foreign', alien, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/],
    ['expired', expired, /CERT_HAS_EXPIRED|certificate has expired/],
  ] as const) {
    const cert = { certChainPem: leaf.certChainPem[0], privateKeyPem: leaf.privateKeyPem, rootsPem };
    const before = server.clientErrors.length;
    const socket = connect(server.port, cert, REVIEWS);
    socket.on('error', () => {});
    socket.write('hi\n');
    const got: string[] = [];
    socket.on('data', (d) => got.push(String(d)));
    await once(socket, 'close');
    assert.deepEqual(got, [], `${what}: no application data`);
    assert.equal(server.clientErrors.length, before + 1, `${what}: the server dropped the handshake`);

    const probe = connect(inspector.port, cert, REVIEWS);
    probe.on('error', () => {});
    await once(probe, 'secureConnect');
    await ask(probe, 'x');
    probe.end();
    assert.match(inspector.verdicts[inspector.verdicts.length - 1] ?? 'authorized', reason, what);
  }
});

test('a client refuses a server whose certificate comes from a foreign root', async () => {
  const foreign = await CertificateAuthority.selfSigned();
  const alien = await issueWorkload(foreign, 'default', 'reviews');
  const server = await spiffeEchoServer({
    ...(await (await workload('default', 'reviews')).start()),
    certChainPem: alien.certChainPem[0],
    privateKeyPem: alien.privateKeyPem,
  });
  const client = await (await workload('default', 'productpage')).start();
  const socket = connect(server.port, client, REVIEWS);
  const [err] = await once(socket, 'error');
  assert.match(String((err as Error).message), /unable to get local issuer|unable to verify/i);
});

test('a rotated certificate serves new connections while an open connection keeps working', async () => {
  const rotator = await workload('default', 'reviews');
  const first = await rotator.start();
  const { server, port } = await spiffeEchoServer(first);
  rotator.onCertificate((c) => server.setSecureContext(tlsOptions(c)));
  const client = await (await workload('default', 'productpage')).start();

  const early = connect(port, client, REVIEWS);
  await once(early, 'secureConnect');
  assert.equal(early.getPeerCertificate().serialNumber.toLowerCase(), first.serial.toLowerCase());
  assert.match(await ask(early, 'before'), /before$/);

  const second = await rotator.renewNow();
  assert.notEqual(second.serial, first.serial);
  assert.match(await ask(early, 'after'), /after$/, 'the open connection survived the rotation');

  const late = connect(port, client, REVIEWS);
  await once(late, 'secureConnect');
  assert.equal(late.getPeerCertificate().serialNumber.toLowerCase(), second.serial.toLowerCase());
  assert.match(await ask(late, 'new'), /new$/);
  early.end();
  late.end();
});
