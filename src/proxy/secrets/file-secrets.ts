// Secrets read from files, named as Istio names them over SDS: `file-cert:<cert>~<key>` (a certificate chain
// and its key) and `file-root:<ca>` (CA certificates). Loaded when a TLS context first asks, then watched
// (fs.watch on the directories, which sees atomic renames and Kubernetes-style symlink swaps, plus a slow
// poll as a safety net): a change that parses, and whose key matches its certificate, replaces the secret; a
// half-written or invalid file keeps the last good one, and the reason is logged once per distinct problem.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { StaticSecret } from '../config/bootstrap.js';

export const FILE_CERT_PREFIX = 'file-cert:';
export const FILE_ROOT_PREFIX = 'file-root:';

/** The files behind a file secret name; undefined for other names. */
export function fileSecretPaths(name: string): { cert: string; key: string } | { ca: string } | undefined {
  if (name.startsWith(FILE_CERT_PREFIX)) {
    const rest = name.slice(FILE_CERT_PREFIX.length);
    const tilde = rest.lastIndexOf('~');
    if (tilde <= 0 || tilde === rest.length - 1) return undefined;
    return { cert: rest.slice(0, tilde), key: rest.slice(tilde + 1) };
  }
  if (name.startsWith(FILE_ROOT_PREFIX) && name.length > FILE_ROOT_PREFIX.length)
    return { ca: name.slice(FILE_ROOT_PREFIX.length) };
  return undefined;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesOf(pem: string, file: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new Error(`${file}: no complete PEM certificate`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new Error(`${file}: certificate does not parse: ${(err as Error).message}`);
    }
  });
}

export interface FileReader {
  read(path: string): string;
  /** A value that changes when the file does (size, mtime, inode); undefined when it cannot be stat'ed. */
  signature(path: string): string | undefined;
}

export const diskReader: FileReader = {
  read: (p) => readFileSync(p, 'utf8'),
  signature: (p) => {
    try {
      const s = statSync(p);
      return `${s.size}|${s.mtimeMs}|${s.ino}|${s.ctimeMs}`;
    } catch {
      return undefined;
    }
  },
};

/** Reads and checks the secret a file name stands for; throws with the reason when it is not usable. */
export function readFileSecret(name: string, reader: FileReader = diskReader): StaticSecret {
  const paths = fileSecretPaths(name);
  if (!paths) throw new Error(`"${name}" is not a file secret name`);
  const read = (p: string) => {
    try {
      return reader.read(p);
    } catch (err) {
      throw new Error(`cannot read ${p}: ${(err as Error).message}`);
    }
  };
  if ('ca' in paths) {
    const trustedCa = read(paths.ca);
    certificatesOf(trustedCa, paths.ca);
    return { name, trustedCa };
  }
  const certificateChain = read(paths.cert);
  const privateKey = read(paths.key);
  const leaf = certificatesOf(certificateChain, paths.cert)[0];
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(privateKey);
  } catch (err) {
    throw new Error(`${paths.key}: not a PEM private key: ${(err as Error).message}`);
  }
  if (!leaf.checkPrivateKey(key))
    throw new Error(`${paths.key} does not match the certificate in ${paths.cert}`);
  return { name, certificateChain, privateKey };
}

export interface FileSecretsOptions {
  /** Called with secrets whose files changed and still make a good secret. */
  onChange: (secrets: StaticSecret[]) => void;
  log?: (line: string) => void;
  reader?: FileReader;
  /** Poll period in ms (default 2000; 0 = no poll, no fs.watch: call check() yourself, as tests do). */
  pollMs?: number;
}

interface Watched {
  files: string[];
  /** Signatures of `files` when last read. */
  signatures: (string | undefined)[];
  /** The last problem logged (so a lasting problem is logged once). */
  problem?: string;
}

/** Loads file secrets on demand and reports their changes. */
export class FileSecrets {
  private readonly watched = new Map<string, Watched>();
  private readonly dirWatchers = new Map<string, FSWatcher>();
  private readonly reader: FileReader;
  private readonly log: (line: string) => void;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly opts: FileSecretsOptions) {
    this.reader = opts.reader ?? diskReader;
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.pollMs = opts.pollMs ?? 2000;
  }

  /** The secret `name` stands for now (undefined when not a file name, or not usable yet); watched from now on. */
  load(name: string): StaticSecret | undefined {
    const paths = fileSecretPaths(name);
    if (!paths) return undefined;
    const files = 'ca' in paths ? [paths.ca] : [paths.cert, paths.key];
    if (!this.watched.has(name)) {
      this.watched.set(name, { files, signatures: files.map(() => undefined) });
      this.startWatching(files);
    }
    return this.read(name, this.watched.get(name) as Watched);
  }

  private read(name: string, w: Watched): StaticSecret | undefined {
    w.signatures = w.files.map((f) => this.reader.signature(f));
    try {
      const s = readFileSecret(name, this.reader);
      if (w.problem !== undefined) this.log(`secret ${name}: files are good again`);
      w.problem = undefined;
      return s;
    } catch (err) {
      const problem = (err as Error).message;
      if (w.problem !== problem) this.log(`secret ${name}: keeping the last good certificate: ${problem}`);
      w.problem = problem;
      return undefined;
    }
  }

  /** Re-reads the secrets whose files changed since last read; reports the good ones. */
  check(): void {
    const fresh: StaticSecret[] = [];
    for (const [name, w] of this.watched) {
      const now = w.files.map((f) => this.reader.signature(f));
      if (now.every((s, i) => s === w.signatures[i])) continue;
      const s = this.read(name, w);
      if (s) fresh.push(s);
    }
    if (fresh.length > 0) this.opts.onChange(fresh);
  }

  private startWatching(files: string[]): void {
    if (this.pollMs <= 0) return;
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), this.pollMs);
      this.timer.unref();
    }
    for (const dir of new Set(files.map((f) => dirname(f)))) {
      if (this.dirWatchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.soon());
        w.on('error', () => {});
        this.dirWatchers.set(dir, w);
      } catch {
        // A directory that cannot be watched (missing): the poll still sees the files appear.
      }
    }
  }

  /** Coalesces bursts of fs events (a writer's several writes) into one check 50 ms later. */
  private soon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.check();
    }, 50);
    this.pending.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    for (const w of this.dirWatchers.values()) w.close();
    this.dirWatchers.clear();
    this.timer = undefined;
  }
}
