// Tests the CSR service end to end over a real gRPC server on 127.0.0.1: a token-authenticated workload gets
// its own identity with the trust bundle; missing or bad tokens, other identities and bad CSRs are refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CaCallError, CaClient } from '../../runtime/cert-client/ca-client.js';
import { createKeyAndCsr } from '../../runtime/cert-client/csr.js';
import { CertificateAuthority } from './authority.js';
import { caServiceDefinition, registerCaService } from './ca-service.js';
import { BootstrapTokenIssuer, generateTokenKey, JwtAuthenticator } from './token.js';
import { verifyWorkloadChain } from './verify.js';

let server: grpc.Server;
let client: CaClient;
let ca: CertificateAuthority;
let issuer: BootstrapTokenIssuer;
let boundPort: number;

before(async () => {
  ca = await CertificateAuthority.selfSigned();
  const tokenKey = await generateTokenKey();
  issuer = new BootstrapTokenIssuer(tokenKey.privateKey);
  server = new grpc.Server();
  registerCaService(server, ca, new JwtAuthenticator(tokenKey.publicKey));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  boundPort = port;
  client = new CaClient({ address: `127.0.0.1:${port}` });
});

after(() => {
  client.close();
  server.forceShutdown();
  ca.close();
});

async function code(p: Promise<unknown>): Promise<grpc.status> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CaCallError, String(err));
    return err.code;
  }
  assert.fail('call succeeded');
}

test('a workload with a valid token gets a certificate for its own identity and the trust bundle', async () => {
  const { csrPem } = await createKeyAndCsr({ spiffeId: 'spiffe://cluster.local/ns/default/sa/reviews' });
  const token = await issuer.issue('default', 'reviews');
  const signed = await client.createCertificate(csrPem, token, 3600);
  assert.equal(signed.certChainPem.length, 2);
  assert.deepEqual(signed.trustBundlePem, ca.trustBundlePem());
  const verified = await verifyWorkloadChain(
    signed.certChainPem[0],
    signed.trustBundlePem.join(''),
    Date.now(),
  );
  assert.ok(verified.ok);
  assert.equal(verified.value.spiffeId, 'spiffe://cluster.local/ns/default/sa/reviews');
});

test('after a root rotation the response carries both roots', async () => {
  await ca.rotateRoot();
  const { csrPem } = await createKeyAndCsr();
  const signed = await client.createCertificate(csrPem, await issuer.issue('default', 'ratings'));
  assert.equal(signed.trustBundlePem.length, 2);
  assert.equal(signed.trustBundlePem[0], signed.certChainPem[1], 'the signing root comes first');
});

test('calls without a token or with a forged one are unauthenticated', async () => {
  const { csrPem } = await createKeyAndCsr();
  const forger = new BootstrapTokenIssuer((await generateTokenKey()).privateKey);
  assert.equal(await code(client.createCertificate(csrPem, '')), grpc.status.UNAUTHENTICATED);
  assert.equal(
    await code(client.createCertificate(csrPem, await forger.issue('default', 'reviews'))),
    grpc.status.UNAUTHENTICATED,
  );
});

test('a CSR asking for another identity is denied; a malformed CSR is invalid', async () => {
  const { csrPem } = await createKeyAndCsr({ spiffeId: 'spiffe://cluster.local/ns/istio-system/sa/istiod' });
  const token = await issuer.issue('default', 'reviews');
  assert.equal(await code(client.createCertificate(csrPem, token)), grpc.status.PERMISSION_DENIED);
  assert.equal(
    await code(client.createCertificate('-----BEGIN CERTIFICATE REQUEST-----', token)),
    grpc.status.INVALID_ARGUMENT,
  );
});

test('the CSR service runs over TLS with a serving certificate the CA issued to the control plane', async () => {
  const serving = await ca.issueServingCertificate({
    identity: { namespace: 'trellis-system', serviceAccount: 'controlplane' },
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  assert.equal(serving.spiffeId, 'spiffe://cluster.local/ns/trellis-system/sa/controlplane');
  const tlsServer = new grpc.Server();
  registerCaService(tlsServer, ca, new JwtAuthenticator((await generateTokenKey()).publicKey));
  const key = Buffer.from(serving.privateKeyPem);
  const chain = Buffer.from(serving.certChainPem.slice(0, -1).join(''));
  const port = await new Promise<number>((resolve, reject) =>
    tlsServer.bindAsync(
      '127.0.0.1:0',
      grpc.ServerCredentials.createSsl(null, [{ private_key: key, cert_chain: chain }]),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
  const roots = Buffer.from(ca.trustBundlePem().join(''));
  // Dial the IP, check the DNS SAN (a server name must not be an IP address, RFC 6066).
  const channelOptions = { 'grpc.ssl_target_name_override': 'localhost' };
  const trusted = new CaClient({
    address: `127.0.0.1:${port}`,
    credentials: grpc.credentials.createSsl(roots),
    channelOptions,
  });
  const foreignRoots = Buffer.from((await CertificateAuthority.selfSigned()).trustBundlePem().join(''));
  const distrustful = new CaClient({
    address: `127.0.0.1:${port}`,
    credentials: grpc.credentials.createSsl(foreignRoots),
    channelOptions,
    timeoutMs: 2000,
  });
  try {
    const { csrPem } = await createKeyAndCsr();
    // The TLS handshake succeeds; the token (signed by another key) is what gets refused.
    assert.equal(
      await code(trusted.createCertificate(csrPem, await issuer.issue('default', 'reviews'))),
      grpc.status.UNAUTHENTICATED,
    );
    assert.equal(
      await code(distrustful.createCertificate(csrPem, 'x')),
      grpc.status.UNAVAILABLE,
      'a client that does not trust the CA root never connects',
    );
  } finally {
    trusted.close();
    distrustful.close();
    tlsServer.forceShutdown();
  }
});

test('a request asking to impersonate another identity through its metadata Struct is denied', async () => {
  const raw = new grpc.Client(`127.0.0.1:${boundPort}`, grpc.credentials.createInsecure());
  const { csrPem } = await createKeyAndCsr();
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${await issuer.issue('default', 'reviews')}`);
  const def = caServiceDefinition.CreateCertificate;
  const request = {
    csr: csrPem,
    validityDurationSeconds: 0,
    metadata: { ImpersonatedIdentity: 'spiffe://cluster.local/ns/prod/sa/payments' },
  };
  const status = await new Promise<grpc.status>((resolve) =>
    raw.makeUnaryRequest(def.path, def.requestSerialize, def.responseDeserialize, request, md, (err) =>
      resolve(err?.code ?? grpc.status.OK),
    ),
  );
  raw.close();
  assert.equal(status, grpc.status.PERMISSION_DENIED);
});
