// The certificate authority: signs workload CSRs with the identity the caller proved, keeps the trust
// bundle (current root plus retired roots during their overlap), and rotates its own self-signed root.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock, type TimerHandle } from '../../common/clock.js';
import { checkRequestedIdentity, issueLeaf, parseAndCheckCsr } from './leaf.js';
import {
  type CaFiles,
  caDir,
  createSelfSignedRoot,
  loadCaFiles,
  loadOrCreateSelfSignedRoot,
  type SigningMaterial,
  saveSelfSignedRoot,
} from './root.js';
import { DEFAULT_TRUST_DOMAIN, spiffeUri, type WorkloadIdentity } from './spiffe.js';
import type { CallerIdentity } from './token.js';
import { DEFAULT_KEY_TYPE, type KeyType, parseCertificates, toPem, type x509 } from './x509.js';

/** Workload certificate lifetime when the caller asks for none: 24 h (ms). */
export const DEFAULT_CERT_TTL_MS = 24 * 3600 * 1000;
/** Longest lifetime a caller may get: 90 days (ms); longer requests are shortened to it. */
export const DEFAULT_MAX_CERT_TTL_MS = 90 * 24 * 3600 * 1000;
// setTimeout holds at most 2^31−1 ms (~24.8 days); longer waits re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CertificateAuthorityOptions {
  trustDomain?: string;
  clock?: Clock;
  defaultTtlMs?: number;
  maxTtlMs?: number;
  /** How long a retired root stays trusted after rotation, at least (ms); default: the default TTL. */
  rootOverlapMs?: number;
  /** Key type of roots this CA creates. */
  keyType?: KeyType;
  /** Where a self-signed root and retired roots are persisted (`<stateDir>/ca/`); none: memory only. */
  stateDir?: string;
}

export interface IssuedCertificate {
  /** Leaf first, then intermediates, the root last (IstioCertificateResponse.cert_chain's order). */
  certChainPem: string[];
  serial: string;
  notBefore: Date;
  notAfter: Date;
  spiffeId: string;
}

interface RetiredRoot {
  cert: x509.X509Certificate;
  keepUntilMs: number;
}

const RETIRED_FILE = 'retired-roots.json';

export class CertificateAuthority {
  readonly trustDomain: string;
  private readonly clock: Clock;
  private readonly defaultTtlMs: number;
  private readonly maxTtlMs: number;
  private readonly rootOverlapMs: number;
  private retired: RetiredRoot[] = [];
  /** Latest notAfter of any leaf signed under the current root (ms), so a rotation keeps it trusted. */
  private latestLeafExpiryMs = 0;
  private readonly listeners = new Set<(rootsPem: string[]) => void>();
  private retireTimer: TimerHandle | undefined;

  private constructor(
    private material: SigningMaterial,
    private readonly options: CertificateAuthorityOptions,
  ) {
    this.trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    this.clock = options.clock ?? systemClock;
    this.defaultTtlMs = options.defaultTtlMs ?? DEFAULT_CERT_TTL_MS;
    this.maxTtlMs = options.maxTtlMs ?? DEFAULT_MAX_CERT_TTL_MS;
    this.rootOverlapMs = options.rootOverlapMs ?? this.defaultTtlMs;
  }

  /** Trellis's own root: loaded from `<stateDir>/ca/` or created there on first start (memory only without). */
  static async selfSigned(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
    const nowMs = (options.clock ?? systemClock).now();
    const rootOptions = {
      keyType: options.keyType ?? DEFAULT_KEY_TYPE,
      organization: options.trustDomain ?? DEFAULT_TRUST_DOMAIN,
      nowMs,
    };
    const material = options.stateDir
      ? (await loadOrCreateSelfSignedRoot(options.stateDir, rootOptions)).material
      : await createSelfSignedRoot(rootOptions);
    const ca = new CertificateAuthority(material, options);
    await ca.loadRetiredRoots();
    return ca;
  }

  /** A user-supplied signing CA (ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem); never rotated. */
  static async fromFiles(
    files: CaFiles,
    options: CertificateAuthorityOptions = {},
  ): Promise<CertificateAuthority> {
    return new CertificateAuthority(await loadCaFiles(files), { ...options, stateDir: undefined });
  }

  get root(): x509.X509Certificate {
    return this.material.root;
  }

  get keyType(): KeyType {
    return this.material.keyType;
  }

  /** PEMs of every root a peer must trust now: the current root first, then retired roots in overlap. */
  trustBundlePem(): string[] {
    const now = this.clock.now();
    return [this.material.root, ...this.retired.filter((r) => r.keepUntilMs > now).map((r) => r.cert)].map(
      toPem,
    );
  }

  /** Called with the new bundle whenever it changes (root rotation, end of an overlap). Returns unsubscribe. */
  onTrustBundleChange(listener: (rootsPem: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Signs a CSR for a caller whose identity an Authenticator proved. The CSR contributes only its public
   * key; asking for another identity in its SAN throws IdentityMismatchError, a bad CSR throws CsrError.
   * `requestedTtlSeconds` ≤ 0 or absent means the default TTL; longer than the maximum is shortened.
   */
  async sign(
    csrPem: string,
    caller: CallerIdentity,
    requestedTtlSeconds?: number,
  ): Promise<IssuedCertificate> {
    const identity: WorkloadIdentity = { trustDomain: this.trustDomain, ...caller };
    const csr = await parseAndCheckCsr(csrPem);
    checkRequestedIdentity(csr, identity);
    const signer = this.material;
    const now = this.clock.now();
    const ttlMs =
      requestedTtlSeconds && requestedTtlSeconds > 0
        ? Math.min(requestedTtlSeconds * 1000, this.maxTtlMs)
        : this.defaultTtlMs;
    // A leaf never outlives its signer, whose expiry would invalidate it anyway.
    const notAfterMs = Math.min(now + ttlMs, signer.signingCert.notAfter.getTime());
    const leaf = await issueLeaf({ csr, identity, notBeforeMs: now, notAfterMs, signer });
    this.latestLeafExpiryMs = Math.max(this.latestLeafExpiryMs, leaf.notAfter.getTime());
    const chain = [
      leaf,
      ...(signer.root === signer.signingCert ? [] : [signer.signingCert]),
      ...signer.intermediates,
    ];
    return {
      certChainPem: [...chain, signer.root].map(toPem),
      serial: leaf.serialNumber,
      notBefore: leaf.notBefore,
      notAfter: leaf.notAfter,
      spiffeId: spiffeUri(identity),
    };
  }

  /**
   * Replaces the self-signed root with a new one. New leaves are signed by the new root at once; the old
   * root stays in the trust bundle until every leaf it signed has expired (at least `rootOverlapMs`), so
   * peers holding either generation keep verifying each other while rotators renew.
   */
  async rotateRoot(): Promise<void> {
    if (!this.material.selfSigned)
      throw new Error('only a self-signed root is rotated here; replace the supplied CA files instead');
    const now = this.clock.now();
    const next = await createSelfSignedRoot({
      keyType: this.material.keyType,
      organization: this.trustDomain,
      nowMs: now,
    });
    const keepUntilMs = Math.max(now + this.rootOverlapMs, this.latestLeafExpiryMs);
    this.retired = [
      ...this.retired.filter((r) => r.keepUntilMs > now),
      { cert: this.material.root, keepUntilMs },
    ];
    this.material = next;
    this.latestLeafExpiryMs = 0;
    if (this.options.stateDir) {
      await this.saveRetiredRoots();
      await saveSelfSignedRoot(this.options.stateDir, next);
    }
    this.scheduleRetirement();
    this.emit();
  }

  /** Stops the retirement timer (the CA keeps working; bundles are still filtered by time). */
  close(): void {
    if (this.retireTimer !== undefined) this.clock.clearTimeout(this.retireTimer);
    this.retireTimer = undefined;
  }

  private emit(): void {
    const bundle = this.trustBundlePem();
    for (const listener of this.listeners) listener(bundle);
  }

  /** Fires at the next retired root's end of overlap, drops it and tells listeners. */
  private scheduleRetirement(): void {
    this.close();
    const now = this.clock.now();
    const live = this.retired.filter((r) => r.keepUntilMs > now);
    if (live.length === 0) return;
    const next = Math.min(...live.map((r) => r.keepUntilMs));
    this.retireTimer = this.clock.setTimeout(
      () => {
        this.retireTimer = undefined;
        const t = this.clock.now();
        const before = this.retired.length;
        this.retired = this.retired.filter((r) => r.keepUntilMs > t);
        if (this.retired.length !== before) {
          if (this.options.stateDir) void this.saveRetiredRoots().catch(() => {});
          this.emit();
        }
        this.scheduleRetirement();
      },
      Math.min(next - now, MAX_TIMER_MS),
    );
  }

  private async saveRetiredRoots(): Promise<void> {
    if (!this.options.stateDir) return;
    const data = this.retired.map((r) => ({
      certPem: toPem(r.cert),
      keepUntil: new Date(r.keepUntilMs).toISOString(),
    }));
    await writeFile(join(caDir(this.options.stateDir), RETIRED_FILE), JSON.stringify(data, null, 2) + '\n');
  }

  private async loadRetiredRoots(): Promise<void> {
    if (!this.options.stateDir) return;
    let text: string;
    try {
      text = await readFile(join(caDir(this.options.stateDir), RETIRED_FILE), 'utf8');
    } catch {
      return; // none retired yet
    }
    const data: unknown = JSON.parse(text);
    if (!Array.isArray(data)) return;
    for (const entry of data as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { certPem, keepUntil } = entry as { certPem?: unknown; keepUntil?: unknown };
      if (typeof certPem !== 'string' || typeof keepUntil !== 'string') continue;
      const [cert] = parseCertificates(certPem);
      if (cert) this.retired.push({ cert, keepUntilMs: Date.parse(keepUntil) });
    }
    this.scheduleRetirement();
  }
}
