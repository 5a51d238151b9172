// Keeps a workload certificate fresh: a new key and CSR, signed by the CA, renewed at half-life (by default)
// on an injected clock, retried with back-off on failure. Listeners get each new certificate while the old
// one is still valid, so TLS contexts swap for new connections and open ones keep running.
import { type Clock, systemClock, type TimerHandle } from '../../common/clock.js';
import { DEFAULT_KEY_TYPE, type KeyType, parseCertificates, x509 } from '../../controlplane/ca/x509.js';
import type { SignedChain } from './ca-client.js';
import { createKeyAndCsr } from './csr.js';

/** One issued certificate with everything a TLS context or an SDS Secret needs. */
export interface WorkloadCertificate {
  /** Leaf then intermediates (PEM, concatenated); the root is in rootsPem. */
  certChainPem: string;
  privateKeyPem: string;
  /** Every root to trust (PEM, concatenated), the current one first. */
  rootsPem: string;
  notBefore: Date;
  notAfter: Date;
  /** Hex serial of the leaf. */
  serial: string;
  spiffeId: string;
}

/** Signs a CSR: the gRPC CaClient with a token in production, the CA object directly in some tests. */
export type CertificateRequester = (csrPem: string, validitySeconds: number) => Promise<SignedChain>;

export interface CertificateRotatorOptions {
  requestCertificate: CertificateRequester;
  clock?: Clock;
  keyType?: KeyType;
  /** SPIFFE ID to name in the CSR (the CA still issues only the proven one). */
  spiffeId?: string;
  /** Requested lifetime (s); 0 lets the CA choose (24 h by default). */
  validitySeconds?: number;
  /** Fraction of the lifetime after which to renew: 0.5 = half-life. */
  renewAtFraction?: number;
  /** First retry delay after a failed renewal (ms); doubles up to retryMaxMs. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  onError?: (err: unknown) => void;
}

/** Reads the leaf of a chain into the fields the rotator reports. */
export function describeSignedChain(signed: SignedChain, privateKeyPem: string): WorkloadCertificate {
  const chain = signed.certChainPem.flatMap((pem) => parseCertificates(pem));
  const leaf = chain[0];
  if (!leaf) throw new Error('the CA returned no certificate');
  // The chain's last element is the root when it is self-signed; peers get roots from the bundle instead.
  const last = chain[chain.length - 1];
  const withoutRoot = chain.length > 1 && last.subject === last.issuer ? chain.slice(0, -1) : chain;
  return {
    certChainPem: withoutRoot.map((c) => c.toString('pem') + '\n').join(''),
    privateKeyPem,
    rootsPem: signed.trustBundlePem.map((p) => (p.endsWith('\n') ? p : p + '\n')).join(''),
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    serial: leaf.serialNumber,
    spiffeId: uriSan(leaf) ?? '',
  };
}

function uriSan(cert: x509.X509Certificate): string | undefined {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return san?.names.items.find((n) => n.type === 'url')?.value;
}

export class CertificateRotator {
  private readonly clock: Clock;
  private readonly listeners = new Set<(cert: WorkloadCertificate) => void>();
  private timer: TimerHandle | undefined;
  private stopped = false;
  private retryMs: number;
  private latest: WorkloadCertificate | undefined;
  private inflight: Promise<WorkloadCertificate> | undefined;

  constructor(private readonly options: CertificateRotatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.retryMs = options.retryInitialMs ?? 1000;
  }

  get current(): WorkloadCertificate | undefined {
    return this.latest;
  }

  /** Registers a listener for every new certificate (the current one is not replayed). Returns unsubscribe. */
  onCertificate(listener: (cert: WorkloadCertificate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fetches the first certificate (rejecting if that fails) and schedules its renewals. */
  async start(): Promise<WorkloadCertificate> {
    this.stopped = false;
    return this.renewNow();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Gets a new certificate now (joining a renewal already under way), announces it, schedules the next. */
  renewNow(): Promise<WorkloadCertificate> {
    this.inflight ??= this.renew();
    return this.inflight;
  }

  private async renew(): Promise<WorkloadCertificate> {
    let cert: WorkloadCertificate;
    try {
      const { csrPem, privateKeyPem } = await createKeyAndCsr({
        keyType: this.options.keyType ?? DEFAULT_KEY_TYPE,
        spiffeId: this.options.spiffeId,
      });
      const signed = await this.options.requestCertificate(csrPem, this.options.validitySeconds ?? 0);
      cert = describeSignedChain(signed, privateKeyPem);
    } finally {
      // Cleared before listeners run, so a renewal they (or a timer) start is a new one.
      this.inflight = undefined;
    }
    if (this.stopped) return cert;
    this.latest = cert;
    this.retryMs = this.options.retryInitialMs ?? 1000;
    this.schedule(this.renewalTime(cert) - this.clock.now());
    for (const listener of this.listeners) listener(cert);
    return cert;
  }

  /** When `cert` is due for renewal (ms since the epoch). */
  renewalTime(cert: WorkloadCertificate): number {
    const from = cert.notBefore.getTime();
    return from + (cert.notAfter.getTime() - from) * (this.options.renewAtFraction ?? 0.5);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    // setTimeout holds at most 2^31−1 ms; a longer wait re-checks when that fires.
    const wait = Math.min(Math.max(0, delayMs), 2 ** 31 - 1);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      if (this.latest && this.clock.now() < this.renewalTime(this.latest)) {
        this.schedule(this.renewalTime(this.latest) - this.clock.now());
        return;
      }
      this.renewNow().catch((err: unknown) => {
        this.options.onError?.(err);
        if (this.stopped) return;
        const delay = this.retryMs;
        this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs ?? 60_000);
        this.schedule(delay);
      });
    }, wait);
  }
}
