// The CA's signing material: a self-signed root created on first start and kept under <state>/ca/, or a
// user-supplied intermediate with its chain and root (Istio's cacerts layout), checked before use.
import { webcrypto } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CryptoKey,
  DEFAULT_KEY_TYPE,
  generateKeyPair,
  importPrivateKeyPem,
  isSignedBy,
  type KeyType,
  keyAlgorithm,
  parseCertificates,
  privateKeyToPem,
  randomSerial,
  toPem,
  x509,
} from './x509.js';

/** A self-signed root lives 10 years (ms), like Istio's default self-signed root. */
export const DEFAULT_ROOT_TTL_MS = 10 * 365 * 24 * 3600 * 1000;

/** What the CA signs with and what it hands out with every leaf. */
export interface SigningMaterial {
  /** The certificate whose key signs leaves (the root itself when self-signed). */
  signingCert: x509.X509Certificate;
  signingKey: CryptoKey;
  keyType: KeyType;
  /** Certificates between the leaf and the root, signer first; empty when the signer is the root. */
  intermediates: x509.X509Certificate[];
  root: x509.X509Certificate;
  /** True for Trellis's own root, which it may rotate; user-supplied material is never rotated here. */
  selfSigned: boolean;
}

export interface RootOptions {
  keyType?: KeyType;
  /** Written as the root's O= (organisation), as Istio names its self-signed root. */
  organization?: string;
  ttlMs?: number;
  nowMs: number;
}

export async function createSelfSignedRoot(options: RootOptions): Promise<SigningMaterial> {
  const keyType = options.keyType ?? DEFAULT_KEY_TYPE;
  const keys = await generateKeyPair(keyType);
  const serial = randomSerial();
  const org = options.organization ?? 'cluster.local';
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    // The serial prefix keeps subjects of successive roots apart, so chain building never confuses them.
    name: [{ O: [org] }, { CN: [`Trellis root CA ${serial.slice(0, 8)}`] }],
    notBefore: new Date(options.nowMs),
    notAfter: new Date(options.nowMs + (options.ttlMs ?? DEFAULT_ROOT_TTL_MS)),
    signingAlgorithm: keyAlgorithm(keyType),
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    signingCert: cert,
    signingKey: keys.privateKey,
    keyType,
    intermediates: [],
    root: cert,
    selfSigned: true,
  };
}

export function caDir(stateDir: string): string {
  return join(stateDir, 'ca');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** Writes a file readable by its owner only (keys), creating the folder owner-only too. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600); // writeFile keeps an existing file's mode
}

export async function saveSelfSignedRoot(stateDir: string, material: SigningMaterial): Promise<void> {
  const dir = caDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writePrivateFile(join(dir, 'root-key.pem'), await privateKeyToPem(material.signingKey));
  await writeFile(join(dir, 'root-cert.pem'), toPem(material.root));
}

/** Loads <state>/ca/root-cert.pem and root-key.pem, or creates and saves a new root when neither exists. */
export async function loadOrCreateSelfSignedRoot(
  stateDir: string,
  options: RootOptions,
): Promise<{ material: SigningMaterial; created: boolean }> {
  const dir = caDir(stateDir);
  const certPath = join(dir, 'root-cert.pem');
  const keyPath = join(dir, 'root-key.pem');
  const [haveCert, haveKey] = await Promise.all([exists(certPath), exists(keyPath)]);
  if (haveCert !== haveKey) {
    throw new Error(
      `${dir} holds ${haveCert ? 'root-cert.pem without root-key.pem' : 'root-key.pem without root-cert.pem'}`,
    );
  }
  if (haveCert) {
    const material = await loadCaFiles({ caCert: certPath, caKey: keyPath, rootCert: certPath });
    return { material: { ...material, selfSigned: true }, created: false };
  }
  const material = await createSelfSignedRoot(options);
  await saveSelfSignedRoot(stateDir, material);
  return { material, created: true };
}

/** Istio's cacerts files: ca-cert.pem, ca-key.pem, cert-chain.pem (optional), root-cert.pem. */
export interface CaFiles {
  caCert: string;
  caKey: string;
  /** The signer's chain up to the root (may start with ca-cert and may end with the root). */
  certChain?: string;
  rootCert: string;
}

/** Reads and checks user-supplied CA material: key matches cert, cert is a CA, the chain reaches the root. */
export async function loadCaFiles(files: CaFiles): Promise<SigningMaterial> {
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${what} ${path}: ${(err as Error).message}`);
    }
  };
  const [certPem, keyPem, rootPem, chainPem] = await Promise.all([
    read(files.caCert, 'CA certificate'),
    read(files.caKey, 'CA key'),
    read(files.rootCert, 'root certificate'),
    files.certChain ? read(files.certChain, 'certificate chain') : Promise.resolve(''),
  ]);
  const [signingCert] = parseCertificates(certPem);
  if (!signingCert) throw new Error(`${files.caCert}: no certificate found`);
  const roots = parseCertificates(rootPem);
  if (roots.length === 0) throw new Error(`${files.rootCert}: no certificate found`);
  const { key, type } = await importPrivateKeyPem(keyPem);
  await checkKeyMatches(signingCert, key, type, files.caCert);
  const basic = signingCert.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) throw new Error(`${files.caCert}: not a CA certificate (basicConstraints CA:TRUE missing)`);
  // The chain between signer and root: drop the signer itself and any root copies, keep order.
  const fingerprint = (c: x509.X509Certificate) => Buffer.from(c.rawData).toString('base64');
  const skip = new Set([fingerprint(signingCert), ...roots.map(fingerprint)]);
  const intermediates = parseCertificates(chainPem).filter((c) => !skip.has(fingerprint(c)));
  const path = [signingCert, ...intermediates];
  for (let i = 0; i + 1 < path.length; i++) {
    if (!(await isSignedBy(path[i], path[i + 1]))) {
      throw new Error(`${files.certChain}: ${path[i].subject} is not signed by ${path[i + 1].subject}`);
    }
  }
  const top = path[path.length - 1];
  const root = await findIssuer(top, roots);
  if (!root)
    throw new Error(`${files.rootCert}: no root signs ${top.subject}; the chain does not reach the root`);
  return { signingCert, signingKey: key, keyType: type, intermediates, root, selfSigned: false };
}

async function findIssuer(
  cert: x509.X509Certificate,
  roots: x509.X509Certificate[],
): Promise<x509.X509Certificate | undefined> {
  for (const root of roots) if (await isSignedBy(cert, root)) return root;
  return undefined;
}

/** Signs a probe with the key and verifies it with the certificate's public key. */
async function checkKeyMatches(
  cert: x509.X509Certificate,
  key: CryptoKey,
  type: KeyType,
  where: string,
): Promise<void> {
  const probe = new TextEncoder().encode('trellis-ca-key-check');
  const algorithm = keyAlgorithm(type);
  const signature = await webcrypto.subtle.sign(algorithm, key, probe);
  const publicKey = await cert.publicKey.export(algorithm, ['verify']);
  if (!(await webcrypto.subtle.verify(algorithm, publicKey, signature, probe))) {
    throw new Error(`${where}: the CA key does not belong to this certificate`);
  }
}
