// The workload's key and certificate request: a fresh key pair (ECDSA P-256 by default) per request, and a
// PKCS#10 CSR signed with it, naming the SPIFFE ID the workload expects (the CA decides what it gets).
import {
  type CryptoKeyPair,
  DEFAULT_KEY_TYPE,
  generateKeyPair,
  type KeyType,
  keyAlgorithm,
  privateKeyToPem,
  x509,
} from '../../controlplane/ca/x509.js';

export interface KeyAndCsr {
  keys: CryptoKeyPair;
  /** PKCS#8 PEM of the private key; never leaves the workload's side. */
  privateKeyPem: string;
  csrPem: string;
}

export interface CsrOptions {
  keyType?: KeyType;
  /** The SPIFFE ID to ask for; omitted, the CSR names nothing and the CA fills in the proven identity. */
  spiffeId?: string;
}

export async function createKeyAndCsr(options: CsrOptions = {}): Promise<KeyAndCsr> {
  const keyType = options.keyType ?? DEFAULT_KEY_TYPE;
  const keys = await generateKeyPair(keyType);
  const extensions = options.spiffeId
    ? [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: options.spiffeId }], true)]
    : [];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: '',
    keys,
    signingAlgorithm: keyAlgorithm(keyType),
    extensions,
  });
  return { keys, privateKeyPem: await privateKeyToPem(keys.privateKey), csrPem: csr.toString('pem') + '\n' };
}
