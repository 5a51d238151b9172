// Turns a CSR into a workload certificate: the CSR contributes its public key and nothing else; the SPIFFE
// URI SAN comes from the identity the caller proved, and a CSR that asks for any other name is refused.
import { createPublicKey } from 'node:crypto';
import type { SigningMaterial } from './root.js';
import { spiffeUri, type WorkloadIdentity } from './spiffe.js';
import { type CryptoKey, keyAlgorithm, randomSerial, x509 } from './x509.js';

/** The CSR cannot be read, its signature does not verify, or its key type is not accepted. */
export class CsrError extends Error {
  override readonly name = 'CsrError';
}

/** The CSR names an identity other than the one the caller proved. */
export class IdentityMismatchError extends Error {
  override readonly name = 'IdentityMismatchError';
}

export async function parseAndCheckCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem.trim());
  } catch (err) {
    throw new CsrError(`CSR is not a PEM PKCS#10 request: ${(err as Error).message}`);
  }
  // Proof of possession: the requester holds the private key of the public key it wants certified.
  if (!(await csr.verify())) throw new CsrError('CSR signature does not verify');
  const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  const okEc = key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1';
  const okRsa = key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048;
  if (!okEc && !okRsa) throw new CsrError('CSR key must be ECDSA P-256 or RSA of at least 2048 bits');
  return csr;
}

/** Names the CSR asks for in its SAN extension, as `type:value` (e.g. `url:spiffe://…`, `dns:a.b`). */
export function requestedNames(csr: x509.Pkcs10CertificateRequest): string[] {
  const names: string[] = [];
  for (const ext of csr.extensions) {
    if (ext instanceof x509.SubjectAlternativeNameExtension) {
      for (const n of ext.names.items) names.push(`${n.type}:${n.value}`);
    }
  }
  return names;
}

/** Refuses a CSR that asks for any SAN other than the proven identity's URI (asking for none is fine). */
export function checkRequestedIdentity(csr: x509.Pkcs10CertificateRequest, proven: WorkloadIdentity): void {
  const allowed = `url:${spiffeUri(proven)}`;
  const other = requestedNames(csr).filter((n) => n !== allowed);
  if (other.length > 0) {
    throw new IdentityMismatchError(
      `CSR asks for ${other.join(', ')} but the caller proved ${spiffeUri(proven)}; a certificate carries only the proven identity`,
    );
  }
}

export interface LeafParams {
  /** The certified key: a CSR's, or one the CA generated for its own server. */
  publicKey: x509.PublicKey | CryptoKey;
  identity: WorkloadIdentity;
  /** Host names and IP addresses besides the SPIFFE URI (only for the control plane's serving cert). */
  dnsNames?: string[];
  ipAddresses?: string[];
  notBeforeMs: number;
  notAfterMs: number;
  signer: SigningMaterial;
}

export async function issueLeaf(params: LeafParams): Promise<x509.X509Certificate> {
  const { signer } = params;
  const rsaLeaf = params.publicKey.algorithm.name.startsWith('RSA');
  const usages = x509.KeyUsageFlags.digitalSignature | (rsaLeaf ? x509.KeyUsageFlags.keyEncipherment : 0);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    // Empty subject as Istio's workload certificates have: the identity is the URI SAN, marked critical.
    subject: '',
    issuer: signer.signingCert.subject,
    notBefore: new Date(params.notBeforeMs),
    notAfter: new Date(params.notAfterMs),
    publicKey: params.publicKey,
    signingKey: signer.signingKey,
    signingAlgorithm: keyAlgorithm(signer.keyType),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(signer.signingCert.publicKey),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'url', value: spiffeUri(params.identity) },
          ...(params.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
          ...(params.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
        ],
        true,
      ),
    ],
  });
}
