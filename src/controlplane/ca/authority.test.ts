// Tests the CA: proven identity only, TTLs, key types, persistence, supplied intermediates, root rotation
// with overlap on virtual time, and chain verification refusing expired and foreign certificates.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VirtualClock } from '../../common/clock.js';
import { createKeyAndCsr } from '../../runtime/cert-client/csr.js';
import { CertificateAuthority } from './authority.js';
import { issueWorkload, writeIntermediatePki } from './ca-fixtures.test-util.js';
import { CsrError, IdentityMismatchError } from './leaf.js';
import { verifyWorkloadChain } from './verify.js';
import { parseCertificates, x509 } from './x509.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3600 * 1000;

test('a certificate carries the proven identity, 24 h by default, and verifies against the root', async () => {
  const clock = new VirtualClock(T0);
  const ca = await CertificateAuthority.selfSigned({ clock });
  const issued = await issueWorkload(ca, 'default', 'reviews');
  assert.equal(issued.spiffeId, 'spiffe://cluster.local/ns/default/sa/reviews');
  assert.equal(issued.notAfter.getTime() - issued.notBefore.getTime(), 24 * HOUR);
  assert.equal(issued.certChainPem.length, 2, 'leaf and root');
  const leaf = parseCertificates(issued.certChainPem[0])[0];
  const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
  assert.deepEqual(
    san?.names.items.map((n) => [n.type, n.value]),
    [['url', issued.spiffeId]],
  );
  assert.equal(san?.critical, true, 'SAN is critical because the subject is empty');
  const verified = await verifyWorkloadChain(
    issued.certChainPem.join(''),
    ca.trustBundlePem().join(''),
    T0 + HOUR,
  );
  assert.ok(verified.ok);
  assert.equal(verified.value.serviceAccount, 'reviews');
  assert.equal(verified.value.serial, issued.serial);
});

test('a CSR naming another identity never yields a certificate for it', async () => {
  const ca = await CertificateAuthority.selfSigned();
  const other = await createKeyAndCsr({ spiffeId: 'spiffe://cluster.local/ns/prod/sa/payments' });
  await assert.rejects(
    ca.sign(other.csrPem, { namespace: 'default', serviceAccount: 'reviews' }),
    IdentityMismatchError,
  );
  // Asking for the proven identity is fine, and so is asking for nothing; both get exactly the proven one.
  const own = await createKeyAndCsr({ spiffeId: 'spiffe://cluster.local/ns/default/sa/reviews' });
  const issued = await ca.sign(own.csrPem, { namespace: 'default', serviceAccount: 'reviews' });
  assert.equal(issued.spiffeId, 'spiffe://cluster.local/ns/default/sa/reviews');
  const otherDomain = await createKeyAndCsr({ spiffeId: 'spiffe://evil.example/ns/default/sa/reviews' });
  await assert.rejects(
    ca.sign(otherDomain.csrPem, { namespace: 'default', serviceAccount: 'reviews' }),
    IdentityMismatchError,
  );
});

test('a CSR that is not PEM, or whose signature fails, is refused', async () => {
  const ca = await CertificateAuthority.selfSigned();
  await assert.rejects(ca.sign('not a csr', { namespace: 'a', serviceAccount: 'b' }), CsrError);
  const { csrPem } = await createKeyAndCsr();
  const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
  der[der.length - 3] ^= 0xff; // flip a byte of the signature
  const tampered = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
  await assert.rejects(ca.sign(tampered, { namespace: 'a', serviceAccount: 'b' }), CsrError);
});

test('requested lifetimes are honoured up to the maximum; the trust domain is configurable', async () => {
  const clock = new VirtualClock(T0);
  const ca = await CertificateAuthority.selfSigned({
    clock,
    trustDomain: 'mesh.example',
    maxTtlMs: 48 * HOUR,
  });
  const oneHour = await issueWorkload(ca, 'ns1', 'sa1', 3600);
  assert.equal(oneHour.notAfter.getTime() - T0, HOUR);
  const capped = await issueWorkload(ca, 'ns1', 'sa1', 30 * 24 * 3600);
  assert.equal(capped.notAfter.getTime() - T0, 48 * HOUR);
  assert.equal(oneHour.spiffeId, 'spiffe://mesh.example/ns/ns1/sa/sa1');
  await assert.rejects(CertificateAuthority.selfSigned({ trustDomain: 'Bad Domain/' }), /trust domain/);
});

test('an RSA 2048 root signs, and an RSA workload key is accepted', async () => {
  const ca = await CertificateAuthority.selfSigned({ keyType: 'rsa-2048' });
  assert.equal(ca.keyType, 'rsa-2048');
  assert.equal(ca.root.publicKey.algorithm.name, 'RSASSA-PKCS1-v1_5');
  const { csrPem } = await createKeyAndCsr({ keyType: 'rsa-2048' });
  const issued = await ca.sign(csrPem, { namespace: 'default', serviceAccount: 'ratings' });
  const verified = await verifyWorkloadChain(
    issued.certChainPem.join(''),
    ca.trustBundlePem().join(''),
    Date.now(),
  );
  assert.ok(verified.ok);
});

test('the self-signed root is created once under <state>/ca with a 0600 key, and reloaded', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-ca-'));
  try {
    const first = await CertificateAuthority.selfSigned({ stateDir: dir });
    const keyMode = (await stat(join(dir, 'ca', 'root-key.pem'))).mode & 0o777;
    assert.equal(keyMode, 0o600);
    assert.match(await readFile(join(dir, 'ca', 'root-cert.pem'), 'utf8'), /BEGIN CERTIFICATE/);
    const second = await CertificateAuthority.selfSigned({ stateDir: dir });
    assert.equal(second.root.serialNumber, first.root.serialNumber);
    // The reloaded key signs leaves that the first instance's root verifies.
    const issued = await issueWorkload(second, 'default', 'details');
    assert.ok((await verifyWorkloadChain(issued.certChainPem[0], first.trustBundlePem()[0], Date.now())).ok);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a supplied intermediate signs; the chain is leaf, intermediate, root', async () => {
  const files = await writeIntermediatePki(Date.now() - HOUR);
  try {
    const ca = await CertificateAuthority.fromFiles(files);
    const issued = await issueWorkload(ca, 'default', 'productpage');
    assert.equal(issued.certChainPem.length, 3);
    const [leaf, intermediate, root] = issued.certChainPem.map((p) => parseCertificates(p)[0]);
    assert.equal(leaf.issuer, intermediate.subject);
    assert.equal(intermediate.issuer, root.subject);
    const rootPem = await readFile(files.rootCert, 'utf8');
    const verified = await verifyWorkloadChain(issued.certChainPem.slice(0, 2).join(''), rootPem, Date.now());
    assert.ok(verified.ok, JSON.stringify(verified));
    await assert.rejects(ca.rotateRoot(), /only a self-signed root/);
  } finally {
    await rm(files.dir, { recursive: true, force: true });
  }
});

test('supplied CA files whose key does not match the certificate are refused', async () => {
  const a = await writeIntermediatePki(Date.now());
  const b = await writeIntermediatePki(Date.now());
  try {
    await assert.rejects(CertificateAuthority.fromFiles({ ...a, caKey: b.caKey }), /does not belong/);
    await assert.rejects(
      CertificateAuthority.fromFiles({ ...a, rootCert: b.rootCert }),
      /does not reach the root/,
    );
  } finally {
    await rm(a.dir, { recursive: true, force: true });
    await rm(b.dir, { recursive: true, force: true });
  }
});

test('root rotation keeps the old root trusted until its last leaf expires, then drops it', async () => {
  const clock = new VirtualClock(T0);
  const ca = await CertificateAuthority.selfSigned({ clock });
  const oldLeaf = await issueWorkload(ca, 'default', 'reviews');
  const oldRoot = ca.root.serialNumber;
  const bundles: string[][] = [];
  ca.onTrustBundleChange((b) => bundles.push(b));

  clock.advance(6 * HOUR);
  await ca.rotateRoot();
  assert.notEqual(ca.root.serialNumber, oldRoot);
  assert.equal(ca.trustBundlePem().length, 2, 'new root first, old root kept');
  const newLeaf = await issueWorkload(ca, 'default', 'ratings');
  const bundle = ca.trustBundlePem().join('');
  assert.ok(
    (await verifyWorkloadChain(oldLeaf.certChainPem[0], bundle, clock.now())).ok,
    'old leaf still trusted',
  );
  assert.ok((await verifyWorkloadChain(newLeaf.certChainPem[0], bundle, clock.now())).ok, 'new leaf trusted');
  assert.ok(!(await verifyWorkloadChain(newLeaf.certChainPem[0], oldLeaf.certChainPem[1], clock.now())).ok);

  // The old leaf expires 24 h after T0, i.e. 18 h after the rotation; the overlap is max(24 h, that).
  clock.advance(23 * HOUR);
  assert.equal(ca.trustBundlePem().length, 2);
  clock.advance(2 * HOUR);
  assert.equal(ca.trustBundlePem().length, 1);
  assert.deepEqual(
    bundles.map((b) => b.length),
    [2, 1],
    'listeners heard the rotation and the end of the overlap',
  );
  ca.close();
});

test('verification refuses an expired certificate and one from a foreign root', async () => {
  const clock = new VirtualClock(T0);
  const ca = await CertificateAuthority.selfSigned({ clock });
  const foreign = await CertificateAuthority.selfSigned({ clock });
  const leaf = await issueWorkload(ca, 'default', 'reviews');
  const roots = ca.trustBundlePem().join('');
  const expired = await verifyWorkloadChain(leaf.certChainPem[0], roots, T0 + 25 * HOUR);
  assert.ok(!expired.ok);
  assert.match(expired.errors[0].message, /not valid at/);
  const alien = await issueWorkload(foreign, 'default', 'reviews');
  const refused = await verifyWorkloadChain(alien.certChainPem.join(''), roots, T0 + HOUR);
  assert.ok(!refused.ok);
  assert.match(refused.errors[0].message, /no trusted root/);
});

test('a staged rotation trusts the next root first and signs with it only after the activation delay', async () => {
  const clock = new VirtualClock(T0);
  const ca = await CertificateAuthority.selfSigned({ clock });
  const oldRoot = ca.root.serialNumber;
  const bundles: string[][] = [];
  ca.onTrustBundleChange((b) => bundles.push(b));
  await ca.rotateRoot({ activationDelayMs: 60_000 });
  assert.equal(ca.rotationPending, true);
  assert.equal(bundles.length, 1);
  assert.equal(bundles[0].length, 2, 'the next root is distributed before it signs');
  const stillOld = await issueWorkload(ca, 'default', 'reviews');
  assert.equal(parseCertificates(stillOld.certChainPem[1])[0].serialNumber, oldRoot);
  await assert.rejects(ca.rotateRoot(), /already staged/);

  const activated = new Promise<string[]>((resolve) => ca.onTrustBundleChange(resolve));
  clock.advance(60_000);
  const bundle = await activated;
  assert.equal(ca.rotationPending, false);
  assert.notEqual(ca.root.serialNumber, oldRoot);
  assert.equal(bundle.length, 2, 'new root signs, old root stays for its leaves');
  assert.equal(bundle[0], bundles[0][1], 'the staged root is now first');
  const fresh = await issueWorkload(ca, 'default', 'reviews');
  assert.ok(
    (await verifyWorkloadChain(fresh.certChainPem[0], bundles[0].join(''), clock.now())).ok,
    'a peer holding the staged bundle already trusts the new leaves',
  );
  ca.close();
});

test('a rotated root and its retired predecessor survive a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-ca-'));
  try {
    const clock = new VirtualClock(T0);
    const ca = await CertificateAuthority.selfSigned({ stateDir: dir, clock });
    const oldRoot = ca.root.serialNumber;
    await ca.rotateRoot();
    ca.close();
    const restarted = await CertificateAuthority.selfSigned({ stateDir: dir, clock });
    assert.equal(restarted.root.serialNumber, ca.root.serialNumber);
    const bundle = restarted.trustBundlePem().map((p) => parseCertificates(p)[0].serialNumber);
    assert.deepEqual(bundle, [ca.root.serialNumber, oldRoot]);
    clock.advance(25 * HOUR);
    assert.equal(restarted.trustBundlePem().length, 1, 'the overlap ends on schedule after the restart');
    restarted.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
