// The proxy's SDS secret store: every TLS context resolves secret names (`default`, `ROOTCA`, …) here.
// Two layers: secrets provisioned locally (the bootstrap's static secrets, and certificates the workload
// certificate agent pushes with set()) and secrets received over ADS (SDS resources). A name present in the
// local layer wins over the same name from ADS, as Envoy's static resources win over dynamic ones: a proxy
// that mints its own certificate never has it replaced by the control plane. Stored objects are frozen and
// replaced, never mutated, so consumers may cache work on an object's identity (a SecureContext, tls.connect
// options) and rebuild when get() returns a different object. Listeners are told which names changed.
// Istio's file names (`file-cert:<cert>~<key>`, `file-root:<ca>`) resolve from disk into the local layer
// when first asked for, and are replaced whenever their files change (file-secrets.ts).
import type { StaticSecret } from '../config/bootstrap.js';
import { FileSecrets, type FileSecretsOptions, fileSecretPaths } from './file-secrets.js';

export type SecretChangeListener = (names: string[]) => void;

/** Where the secret a name resolves to came from (for the config dump). */
export type SecretOrigin = 'static' | 'local' | 'ads' | 'file';

export interface SecretEntry {
  secret: StaticSecret;
  origin: SecretOrigin;
  /** Bumped on every replacement of this name in its layer; shown as the dump's version_info. */
  version: number;
  /** Epoch ms of the last replacement. */
  updatedMs: number;
}

export interface SecretStoreOptions {
  /** The bootstrap's static secrets (local layer, shown as static_secrets in the config dump). */
  static?: readonly StaticSecret[];
  /** Consulted last, for names neither layer holds (the older `secrets` lookup option of ProxyServer). */
  fallback?: (name: string) => StaticSecret | undefined;
  /** Epoch milliseconds; Date.now by default. */
  now?: () => number;
  /** How file secrets are read and watched (poll period, reader, log); `false` turns them off. */
  files?: Omit<FileSecretsOptions, 'onChange'> | false;
}

function sameSecret(a: StaticSecret | undefined, b: StaticSecret | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return (
    a.name === b.name &&
    a.certificateChain === b.certificateChain &&
    a.privateKey === b.privateKey &&
    a.trustedCa === b.trustedCa
  );
}

function frozenCopy(s: StaticSecret): StaticSecret {
  const copy: StaticSecret = { name: s.name };
  if (s.certificateChain !== undefined) copy.certificateChain = s.certificateChain;
  if (s.privateKey !== undefined) copy.privateKey = s.privateKey;
  if (s.trustedCa !== undefined) copy.trustedCa = s.trustedCa;
  return Object.freeze(copy);
}

export class SecretStore {
  private readonly local = new Map<string, SecretEntry>();
  private readonly ads = new Map<string, SecretEntry>();
  private readonly listeners = new Set<SecretChangeListener>();
  private readonly fallback: ((name: string) => StaticSecret | undefined) | undefined;
  private readonly now: () => number;
  private readonly files: FileSecrets | undefined;

  constructor(opts: SecretStoreOptions = {}) {
    this.fallback = opts.fallback;
    this.now = opts.now ?? Date.now;
    if (opts.files !== false)
      this.files = new FileSecrets({ ...opts.files, onChange: (s) => this.replaceFileSecrets(s) });
    for (const s of opts.static ?? []) this.local.set(s.name, this.makeEntry(s, 'static', undefined));
  }

  /** The secret a name resolves to now: local layer (file names loaded on first use), ADS, the fallback. */
  get(name: string): StaticSecret | undefined {
    return (
      (this.local.get(name) ?? this.ads.get(name) ?? this.loadFile(name))?.secret ?? this.fallback?.(name)
    );
  }

  /** A file secret not held yet: read (and watched from now on) into the local layer, if usable. */
  private loadFile(name: string): SecretEntry | undefined {
    if (!this.files || fileSecretPaths(name) === undefined) return undefined;
    const s = this.files.load(name);
    if (!s) return undefined;
    const e = this.makeEntry(s, 'file', undefined);
    this.local.set(name, e);
    return e;
  }

  /** Files changed: their secrets replace the stored ones; names whose content changed are announced. */
  private replaceFileSecrets(secrets: readonly StaticSecret[]): void {
    const changed: string[] = [];
    for (const s of secrets) {
      const prev = this.local.get(s.name);
      if (prev !== undefined && sameSecret(prev.secret, s)) continue;
      this.local.set(s.name, this.makeEntry(s, 'file', prev));
      changed.push(s.name);
    }
    this.emit(changed);
  }

  /** Stops watching files. */
  close(): void {
    this.files?.close();
  }

  /** `get` as a free function, for code that takes a SecretLookup. */
  readonly lookup = (name: string): StaticSecret | undefined => this.get(name);

  /** The entry behind get(name) with its origin and version; undefined for fallback-only names. */
  entry(name: string): SecretEntry | undefined {
    return this.local.get(name) ?? this.ads.get(name) ?? this.loadFile(name);
  }

  private makeEntry(s: StaticSecret, origin: SecretOrigin, prev: SecretEntry | undefined): SecretEntry {
    return { secret: frozenCopy(s), origin, version: (prev?.version ?? 0) + 1, updatedMs: this.now() };
  }

  /**
   * Provisions secrets locally (e.g. a rotated workload certificate and its roots): each replaces the
   * stored object of its name. Names whose content did not change keep their object and are not announced.
   */
  set(secrets: readonly StaticSecret[]): void {
    const changed: string[] = [];
    for (const s of secrets) {
      const before = this.get(s.name);
      const prev = this.local.get(s.name);
      if (prev !== undefined && sameSecret(prev.secret, s)) continue;
      this.local.set(s.name, this.makeEntry(s, prev?.origin === 'static' ? 'static' : 'local', prev));
      if (!sameSecret(before, this.get(s.name))) changed.push(s.name);
    }
    this.emit(changed);
  }

  /** Removes a locally provisioned secret; an ADS secret of the same name becomes visible again. */
  delete(name: string): void {
    if (!this.local.has(name)) return;
    const before = this.get(name);
    this.local.delete(name);
    if (!sameSecret(before, this.get(name))) this.emit([name]);
  }

  /**
   * Replaces the whole ADS layer with what the ADS client serves now (ProxyResources.secrets); names
   * missing from `secrets` are dropped from that layer. Changes hidden behind a local secret are not announced.
   */
  setDynamic(secrets: ReadonlyMap<string, StaticSecret> | undefined): void {
    const changed: string[] = [];
    const next = secrets ?? new Map<string, StaticSecret>();
    for (const [name, prev] of this.ads) {
      if (next.has(name)) continue;
      this.ads.delete(name);
      if (!this.local.has(name) && !sameSecret(prev.secret, this.get(name))) changed.push(name);
    }
    for (const [name, s] of next) {
      const prev = this.ads.get(name);
      if (prev !== undefined && sameSecret(prev.secret, s)) continue;
      this.ads.set(name, this.makeEntry({ ...s, name }, 'ads', prev));
      if (!this.local.has(name)) changed.push(name);
    }
    this.emit(changed);
  }

  /** Calls `listener` with the names whose resolved secret changed; returns the unsubscribe function. */
  onChange(listener: SecretChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every name the store resolves, with the entry that wins (local over ADS). */
  entries(): [string, SecretEntry][] {
    const out = new Map<string, SecretEntry>(this.ads);
    for (const [n, e] of this.local) out.set(n, e);
    return [...out].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private emit(names: string[]): void {
    if (names.length === 0) return;
    for (const l of [...this.listeners]) l(names);
  }
}
