// Test helpers for the CA: issue a workload certificate with its key in one call, and build a two-level
// PKI (root → intermediate) on disk in Istio's cacerts layout.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyAndCsr } from '../../runtime/cert-client/csr.js';
import type { CertificateAuthority, IssuedCertificate } from './authority.js';
import { type CaFiles, createSelfSignedRoot } from './root.js';
import {
  generateKeyPair,
  type KeyType,
  keyAlgorithm,
  privateKeyToPem,
  randomSerial,
  toPem,
  x509,
} from './x509.js';

export async function issueWorkload(
  ca: CertificateAuthority,
  namespace: string,
  serviceAccount: string,
  ttlSeconds = 0,
): Promise<IssuedCertificate & { privateKeyPem: string }> {
  const { csrPem, privateKeyPem } = await createKeyAndCsr();
  const issued = await ca.sign(csrPem, { namespace, serviceAccount }, ttlSeconds);
  return { ...issued, privateKeyPem };
}

/** Writes root-cert.pem, ca-cert.pem, ca-key.pem and cert-chain.pem (intermediate + root) to a temp dir. */
export async function writeIntermediatePki(
  nowMs: number,
  keyType: KeyType = 'ecdsa-p256',
): Promise<CaFiles & { dir: string }> {
  const root = await createSelfSignedRoot({ keyType, organization: 'example.org', nowMs });
  const keys = await generateKeyPair(keyType);
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'O=example.org, CN=Trellis test intermediate',
    issuer: root.signingCert.subject,
    notBefore: new Date(nowMs),
    notAfter: new Date(nowMs + 365 * 24 * 3600 * 1000),
    publicKey: keys.publicKey,
    signingKey: root.signingKey,
    signingAlgorithm: keyAlgorithm(keyType),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(root.signingCert.publicKey),
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'trellis-cacerts-'));
  const files = {
    dir,
    rootCert: join(dir, 'root-cert.pem'),
    caCert: join(dir, 'ca-cert.pem'),
    caKey: join(dir, 'ca-key.pem'),
    certChain: join(dir, 'cert-chain.pem'),
  };
  await writeFile(files.rootCert, toPem(root.root));
  await writeFile(files.caCert, toPem(intermediate));
  await writeFile(files.caKey, await privateKeyToPem(keys.privateKey), { mode: 0o600 });
  await writeFile(files.certChain, toPem(intermediate) + toPem(root.root));
  return files;
}
