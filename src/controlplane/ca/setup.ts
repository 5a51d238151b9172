// One call that sets up the control plane's CA from its flags: the signing material (self-signed under the
// state dir, or the user's cacerts), the token key that bootstrap tokens are signed with, the
// authenticator the CSR service uses, and the issuer the supervisor hands tokens out with.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Clock, systemClock } from '../../common/clock.js';
import { CertificateAuthority } from './authority.js';
import { type CaFiles, caDir, writePrivateFile } from './root.js';
import {
  type Authenticator,
  BootstrapTokenIssuer,
  generateTokenKey,
  JwtAuthenticator,
  type TokenKeyPair,
  tokenKeyFromPem,
  tokenKeyToPem,
} from './token.js';
import type { KeyType } from './x509.js';

/** The control plane's CA flags (`--ca-cert --ca-key --cert-chain --root-cert`, Istio's cacerts files). */
export interface CaFlags {
  caCert?: string;
  caKey?: string;
  certChain?: string;
  rootCert?: string;
}

/** Supplied files when ca-cert, ca-key and root-cert are all given; none means self-signed; some is an error. */
export function caFilesFromFlags(flags: CaFlags): CaFiles | undefined {
  const given = [flags.caCert, flags.caKey, flags.rootCert].filter((v) => v !== undefined && v !== '');
  if (given.length === 0 && !flags.certChain) return undefined;
  if (given.length !== 3) {
    throw new Error(
      '--ca-cert, --ca-key and --root-cert go together (--cert-chain is optional); omit all for a self-signed root',
    );
  }
  return {
    caCert: flags.caCert!,
    caKey: flags.caKey!,
    rootCert: flags.rootCert!,
    certChain: flags.certChain || undefined,
  };
}

/** Loads <state>/ca/token-key.pem (0600) and token-key.pub.pem, or creates them on first start. */
export async function loadOrCreateTokenKey(stateDir: string): Promise<TokenKeyPair> {
  const dir = caDir(stateDir);
  const privatePath = join(dir, 'token-key.pem');
  const publicPath = join(dir, 'token-key.pub.pem');
  try {
    return await tokenKeyFromPem(await readFile(privatePath, 'utf8'), await readFile(publicPath, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = await generateTokenKey();
  const pem = await tokenKeyToPem(key);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writePrivateFile(privatePath, pem.privateKeyPem);
  await writeFile(publicPath, pem.publicKeyPem);
  return key;
}

export interface CaSetupOptions extends CaFlags {
  /** Trellis's state dir; the CA keeps <stateDir>/ca/. */
  stateDir: string;
  trustDomain?: string;
  keyType?: KeyType;
  defaultTtlMs?: number;
  maxTtlMs?: number;
  clock?: Clock;
}

export interface CaSetup {
  ca: CertificateAuthority;
  /** What registerCaService checks tokens with; a TokenReview-based one replaces it on Kubernetes. */
  authenticator: Authenticator;
  /** What the supervisor issues per-workload bootstrap tokens with. */
  tokenIssuer: BootstrapTokenIssuer;
}

export async function setUpCertificateAuthority(options: CaSetupOptions): Promise<CaSetup> {
  const clock = options.clock ?? systemClock;
  const common = {
    trustDomain: options.trustDomain,
    keyType: options.keyType,
    defaultTtlMs: options.defaultTtlMs,
    maxTtlMs: options.maxTtlMs,
    clock,
  };
  const files = caFilesFromFlags(options);
  const ca = files
    ? await CertificateAuthority.fromFiles(files, common)
    : await CertificateAuthority.selfSigned({ ...common, stateDir: options.stateDir });
  const tokenKey = await loadOrCreateTokenKey(options.stateDir);
  return {
    ca,
    authenticator: new JwtAuthenticator(tokenKey.publicKey, clock),
    tokenIssuer: new BootstrapTokenIssuer(tokenKey.privateKey, clock),
  };
}

/** Writes a workload's bootstrap token where its cert client reads it (owner-only, like a projected token). */
export async function writeTokenFile(path: string, token: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writePrivateFile(path, token + '\n');
}
