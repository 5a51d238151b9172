// The certificate authority: signs workload CSRs with the identity the caller proved, keeps the trust
// bundle (signing root, a staged next root, retired roots in their overlap), and rotates its own root.
import { type Clock, systemClock, type TimerHandle } from '../../common/clock.js';
import { checkRequestedIdentity, issueLeaf, parseAndCheckCsr } from './leaf.js';
import { RetiredRoots } from './retired-roots.js';
import {
  type CaFiles,
  createSelfSignedRoot,
  loadCaFiles,
  loadOrCreateSelfSignedRoot,
  type SigningMaterial,
  saveSelfSignedRoot,
} from './root.js';
import { DEFAULT_TRUST_DOMAIN, isValidTrustDomain, spiffeUri, type WorkloadIdentity } from './spiffe.js';
import type { CallerIdentity } from './token.js';
import {
  DEFAULT_KEY_TYPE,
  generateKeyPair,
  type KeyType,
  privateKeyToPem,
  toPem,
  type x509,
} from './x509.js';

/** Workload certificate lifetime when the caller asks for none: 24 h (ms). */
export const DEFAULT_CERT_TTL_MS = 24 * 3600 * 1000;
/** Longest lifetime a caller may get: 90 days (ms); longer requests are shortened to it. */
export const DEFAULT_MAX_CERT_TTL_MS = 90 * 24 * 3600 * 1000;

export interface CertificateAuthorityOptions {
  trustDomain?: string;
  clock?: Clock;
  defaultTtlMs?: number;
  maxTtlMs?: number;
  /** How long a retired root stays trusted after rotation, at least (ms); default: the default TTL. */
  rootOverlapMs?: number;
  /** Key type of roots this CA creates. */
  keyType?: KeyType;
  /** Lifetime of roots this CA creates (ms); default 10 years. */
  rootTtlMs?: number;
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

export class CertificateAuthority {
  readonly trustDomain: string;
  private readonly clock: Clock;
  private readonly defaultTtlMs: number;
  private readonly maxTtlMs: number;
  private readonly rootOverlapMs: number;
  private readonly retired: RetiredRoots;
  private staged: { material: SigningMaterial; timer: TimerHandle } | undefined;
  /** Latest notAfter of any leaf signed under the current root (ms), so a rotation keeps it trusted. */
  private latestLeafExpiryMs = 0;
  private readonly listeners = new Set<(rootsPem: string[]) => void>();

  private constructor(
    private material: SigningMaterial,
    private readonly options: CertificateAuthorityOptions,
  ) {
    this.trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    if (!isValidTrustDomain(this.trustDomain)) {
      throw new Error(`trust domain ${JSON.stringify(this.trustDomain)} is not a lowercase DNS-like name`);
    }
    this.clock = options.clock ?? systemClock;
    this.defaultTtlMs = options.defaultTtlMs ?? DEFAULT_CERT_TTL_MS;
    this.maxTtlMs = options.maxTtlMs ?? DEFAULT_MAX_CERT_TTL_MS;
    this.rootOverlapMs = options.rootOverlapMs ?? this.defaultTtlMs;
    this.retired = new RetiredRoots(this.clock, options.stateDir, () => this.emit());
  }

  /** Trellis's own root: loaded from `<stateDir>/ca/` or created there on first start (memory only without). */
  static async selfSigned(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
    const nowMs = (options.clock ?? systemClock).now();
    const rootOptions = {
      keyType: options.keyType ?? DEFAULT_KEY_TYPE,
      organization: options.trustDomain ?? DEFAULT_TRUST_DOMAIN,
      ttlMs: options.rootTtlMs,
      nowMs,
    };
    const material = options.stateDir
      ? (await loadOrCreateSelfSignedRoot(options.stateDir, rootOptions)).material
      : await createSelfSignedRoot(rootOptions);
    const ca = new CertificateAuthority(material, options);
    await ca.retired.load();
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

  /** True for Trellis's own root, which rotateRoot may replace; false for supplied CA files. */
  get selfSigned(): boolean {
    return this.material.selfSigned;
  }

  get keyType(): KeyType {
    return this.material.keyType;
  }

  /**
   * PEMs of every root a peer must trust now: the signing root first, then a staged next root (trusted
   * before it signs), then retired roots still inside their overlap.
   */
  trustBundlePem(): string[] {
    const staged = this.staged ? [this.staged.material.root] : [];
    return [this.material.root, ...staged, ...this.retired.live()].map(toPem);
  }

  /** True while a staged root waits for its activation. */
  get rotationPending(): boolean {
    return this.staged !== undefined;
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
    const leaf = await issueLeaf({
      publicKey: csr.publicKey,
      identity,
      notBeforeMs: now,
      notAfterMs,
      signer,
    });
    return this.issued(leaf, identity, signer);
  }

  /** The response for a fresh leaf: chain up to the root, and what rotation needs to remember. */
  private issued(
    leaf: x509.X509Certificate,
    identity: WorkloadIdentity,
    signer: SigningMaterial,
  ): IssuedCertificate {
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
   * A certificate and key for the control plane's own gRPC server (not reachable over the CSR service):
   * its SPIFFE identity plus the host names and addresses proxies dial, e.g. `localhost`, `127.0.0.1`.
   */
  async issueServingCertificate(params: {
    identity: CallerIdentity;
    dnsNames?: string[];
    ipAddresses?: string[];
    ttlMs?: number;
  }): Promise<IssuedCertificate & { privateKeyPem: string }> {
    const identity: WorkloadIdentity = { trustDomain: this.trustDomain, ...params.identity };
    const keys = await generateKeyPair(DEFAULT_KEY_TYPE);
    const signer = this.material;
    const now = this.clock.now();
    const notAfterMs = Math.min(
      now + (params.ttlMs ?? this.defaultTtlMs),
      signer.signingCert.notAfter.getTime(),
    );
    const leaf = await issueLeaf({
      publicKey: keys.publicKey,
      identity,
      dnsNames: params.dnsNames,
      ipAddresses: params.ipAddresses,
      notBeforeMs: now,
      notAfterMs,
      signer,
    });
    return { ...this.issued(leaf, identity, signer), privateKeyPem: await privateKeyToPem(keys.privateKey) };
  }

  /**
   * Replaces the self-signed root, in up to three steps so that no peer ever meets a leaf it cannot verify:
   * the new root joins the trust bundle at once; after `activationDelayMs` (long enough for the bundle to
   * reach every proxy; 0 = at once) it signs all new leaves; the old root stays trusted until every leaf it
   * signed has expired (at least `rootOverlapMs`). A staged root lives in memory only: a restart cancels it.
   */
  async rotateRoot(options: { activationDelayMs?: number } = {}): Promise<void> {
    if (!this.material.selfSigned) {
      throw new Error('only a self-signed root is rotated here; replace the supplied CA files instead');
    }
    if (this.staged) throw new Error('a root rotation is already staged');
    const next = await createSelfSignedRoot({
      keyType: this.material.keyType,
      organization: this.trustDomain,
      ttlMs: this.options.rootTtlMs,
      nowMs: this.clock.now(),
    });
    const delay = options.activationDelayMs ?? 0;
    if (delay <= 0) {
      await this.activate(next);
      return;
    }
    const timer = this.clock.setTimeout(() => {
      if (this.staged?.material !== next) return;
      void this.activate(next).catch(() => {});
    }, delay);
    this.staged = { material: next, timer };
    this.emit();
  }

  /** Makes `next` the signing root and retires the current one with its overlap. */
  private async activate(next: SigningMaterial): Promise<void> {
    if (this.staged?.material === next) this.staged = undefined;
    const now = this.clock.now();
    const old = this.material;
    this.material = next;
    const keepUntilMs = Math.max(now + this.rootOverlapMs, this.latestLeafExpiryMs);
    this.latestLeafExpiryMs = 0;
    // Retire before replacing on disk: a crash in between leaves the old root trusted, never lost.
    await this.retired.add(old.root, keepUntilMs);
    if (this.options.stateDir) await saveSelfSignedRoot(this.options.stateDir, next);
    this.emit();
  }

  /** Stops the CA's timers (retirement, staged activation); signing keeps working. */
  close(): void {
    this.retired.close();
    if (this.staged) this.clock.clearTimeout(this.staged.timer);
    this.staged = undefined;
  }

  private emit(): void {
    const bundle = this.trustBundlePem();
    for (const listener of this.listeners) listener(bundle);
  }
}
