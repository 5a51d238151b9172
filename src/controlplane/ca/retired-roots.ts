// Roots that no longer sign but stay trusted until the last certificate they signed has expired: kept in
// <state>/ca/retired-roots.json across restarts and dropped on the injected clock when their overlap ends.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../../common/clock.js';
import { caDir } from './root.js';
import { parseCertificates, toPem, type x509 } from './x509.js';

const RETIRED_FILE = 'retired-roots.json';
// setTimeout holds at most 2^31−1 ms (~24.8 days); longer waits re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface RetiredRoot {
  cert: x509.X509Certificate;
  keepUntilMs: number;
}

export class RetiredRoots {
  private roots: RetiredRoot[] = [];
  private timer: TimerHandle | undefined;

  /** `onDrop` runs after a root's overlap has ended and it left the set. */
  constructor(
    private readonly clock: Clock,
    private readonly stateDir: string | undefined,
    private readonly onDrop: () => void,
  ) {}

  /** Roots still inside their overlap, earliest retired first. */
  live(): x509.X509Certificate[] {
    const now = this.clock.now();
    return this.roots.filter((r) => r.keepUntilMs > now).map((r) => r.cert);
  }

  async add(cert: x509.X509Certificate, keepUntilMs: number): Promise<void> {
    const now = this.clock.now();
    this.roots = [...this.roots.filter((r) => r.keepUntilMs > now), { cert, keepUntilMs }];
    await this.save();
    this.schedule();
  }

  async load(): Promise<void> {
    if (!this.stateDir) return;
    let text: string;
    try {
      text = await readFile(join(caDir(this.stateDir), RETIRED_FILE), 'utf8');
    } catch {
      return; // nothing retired yet
    }
    const data: unknown = JSON.parse(text);
    if (!Array.isArray(data)) return;
    for (const entry of data as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { certPem, keepUntil } = entry as { certPem?: unknown; keepUntil?: unknown };
      if (typeof certPem !== 'string' || typeof keepUntil !== 'string') continue;
      const [cert] = parseCertificates(certPem);
      const keepUntilMs = Date.parse(keepUntil);
      if (cert && Number.isFinite(keepUntilMs)) this.roots.push({ cert, keepUntilMs });
    }
    this.schedule();
  }

  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async save(): Promise<void> {
    if (!this.stateDir) return;
    const data = this.roots.map((r) => ({
      certPem: toPem(r.cert),
      keepUntil: new Date(r.keepUntilMs).toISOString(),
    }));
    await writeFile(join(caDir(this.stateDir), RETIRED_FILE), JSON.stringify(data, null, 2) + '\n');
  }

  /** Arms one timer for the earliest end of overlap. */
  private schedule(): void {
    this.close();
    const now = this.clock.now();
    const ends = this.roots.filter((r) => r.keepUntilMs > now).map((r) => r.keepUntilMs);
    if (ends.length === 0) return;
    const wait = Math.min(Math.min(...ends) - now, MAX_TIMER_MS);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const t = this.clock.now();
      const before = this.roots.length;
      this.roots = this.roots.filter((r) => r.keepUntilMs > t);
      if (this.roots.length !== before) {
        void this.save().catch(() => {}); // a failed write only delays the cleanup to the next restart
        this.onDrop();
      }
      this.schedule();
    }, wait);
  }
}
