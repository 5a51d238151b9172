// Bootstrap tokens: JWTs the supervisor hands each workload, shaped like Kubernetes service-account tokens
// ({iss, sub: system:serviceaccount:<ns>:<sa>, aud, exp}) so a TokenReview-based Authenticator can take
// over on Kubernetes. Signed ES256 with the CA's token key; the CA trusts only what the token proves.
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose';
import { type Clock, systemClock } from '../../common/clock.js';
import { parseServiceAccountSubject, serviceAccountSubject } from './spiffe.js';
import type { CryptoKey } from './x509.js';

export const TOKEN_ISSUER = 'trellis';
export const TOKEN_AUDIENCE = 'trellis-ca';
const TOKEN_ALGORITHM = 'ES256';
/** Default bootstrap token lifetime: 1 year (seconds); `trellis up` re-issues on every start. */
export const DEFAULT_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

/** Who a caller proved to be. */
export interface CallerIdentity {
  namespace: string;
  serviceAccount: string;
}

/** Turns a bearer token into a proven identity, or throws AuthenticationError. */
export interface Authenticator {
  authenticate(bearerToken: string): Promise<CallerIdentity>;
}

export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

export interface TokenKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export async function generateTokenKey(): Promise<TokenKeyPair> {
  return generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
}

export async function tokenKeyToPem(
  key: TokenKeyPair,
): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  return { privateKeyPem: await exportPKCS8(key.privateKey), publicKeyPem: await exportSPKI(key.publicKey) };
}

export async function tokenKeyFromPem(privateKeyPem: string, publicKeyPem: string): Promise<TokenKeyPair> {
  return {
    privateKey: await importPKCS8(privateKeyPem, TOKEN_ALGORITHM, { extractable: true }),
    publicKey: await importSPKI(publicKeyPem, TOKEN_ALGORITHM),
  };
}

/** The supervisor's side: issues one token per workload identity. */
export class BootstrapTokenIssuer {
  constructor(
    private readonly privateKey: CryptoKey,
    private readonly clock: Clock = systemClock,
  ) {}

  async issue(
    namespace: string,
    serviceAccount: string,
    ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
  ): Promise<string> {
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ 'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount } } })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setSubject(serviceAccountSubject(namespace, serviceAccount))
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + ttlSeconds)
      .sign(this.privateKey);
  }
}

/** The CA's side for one machine: verifies signature, issuer, audience and expiry on the injected clock. */
export class JwtAuthenticator implements Authenticator {
  constructor(
    private readonly publicKey: CryptoKey,
    private readonly clock: Clock = systemClock,
  ) {}

  async authenticate(bearerToken: string): Promise<CallerIdentity> {
    let sub: string | undefined;
    try {
      const { payload } = await jwtVerify(bearerToken, this.publicKey, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: [TOKEN_ALGORITHM],
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.clock.now()),
      });
      sub = payload.sub;
    } catch (err) {
      throw new AuthenticationError(
        `bootstrap token rejected: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const identity = sub === undefined ? undefined : parseServiceAccountSubject(sub);
    if (!identity)
      throw new AuthenticationError(`token subject ${JSON.stringify(sub)} is not a service account`);
    return identity;
  }
}

/** Reads `authorization: Bearer <token>` (case-insensitive scheme); undefined when absent or malformed. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}
