// Verifies a workload chain against a trust bundle at a given time and reads the proven SPIFFE identity:
// every link's signature, every certificate's validity window, CA flags on issuers, a root in the bundle.
import type { Result } from '../../common/result.js';
import { parseSpiffeUri, type WorkloadIdentity } from './spiffe.js';
import { isSignedBy, parseCertificates, x509 } from './x509.js';

export interface VerifiedPeer extends WorkloadIdentity {
  spiffeId: string;
  serial: string;
}

const MAX_DEPTH = 8;

function err(message: string): Result<VerifiedPeer> {
  return { ok: false, errors: [{ path: '', message }] };
}

function validAt(cert: x509.X509Certificate, atMs: number): boolean {
  return cert.notBefore.getTime() <= atMs && atMs <= cert.notAfter.getTime();
}

export async function verifyWorkloadChain(
  chainPem: string,
  rootsPem: string,
  atMs: number,
): Promise<Result<VerifiedPeer>> {
  const chain = parseCertificates(chainPem);
  const roots = parseCertificates(rootsPem);
  const leaf = chain[0];
  if (!leaf) return err('no certificate in the chain');
  if (roots.length === 0) return err('no root in the trust bundle');
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (!validAt(current, atMs)) {
      return err(
        `${current.subject || 'leaf'} (serial ${current.serialNumber}) is not valid at ${new Date(atMs).toISOString()}`,
      );
    }
    let root: x509.X509Certificate | undefined;
    for (const r of roots) if (await isSignedBy(current, r)) root = r;
    if (root) {
      if (!validAt(root, atMs))
        return err(`root ${root.subject} is not valid at ${new Date(atMs).toISOString()}`);
      return identityOf(leaf);
    }
    let issuer: x509.X509Certificate | undefined;
    for (const c of chain.slice(1)) if (c !== current && (await isSignedBy(current, c))) issuer = c;
    if (!issuer) return err(`no trusted root or chain certificate signs ${current.subject || 'the leaf'}`);
    if (!issuer.getExtension(x509.BasicConstraintsExtension)?.ca) return err(`${issuer.subject} is not a CA`);
    current = issuer;
  }
  return err('chain too long');
}

function identityOf(leaf: x509.X509Certificate): Result<VerifiedPeer> {
  const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
  const uris = san?.names.items.filter((n) => n.type === 'url').map((n) => n.value) ?? [];
  const id = uris.length === 1 ? parseSpiffeUri(uris[0]) : undefined;
  if (!id) return err(`leaf carries ${uris.length === 0 ? 'no' : 'no single valid'} SPIFFE URI SAN`);
  return { ok: true, value: { ...id, spiffeId: uris[0], serial: leaf.serialNumber } };
}
