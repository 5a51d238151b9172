// The file-directory ConfigStore: a watched tree of YAML/JSON files; apply/delete edit those files.
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Diagnostic, loadText, type Resource, validateResource } from './api.js';
import { documentCachedLoader } from './document-cache.js';
import { countResources, removeDocument, renderResource, replaceDocument } from './file-edit.js';
import { exists, listConfigFiles, writeAtomic } from './file-io.js';
import { describeKey, keyOf, keyString, normalizeKind, type ResourceKey } from './kinds.js';
import { type ResourceValidator, validateAll } from './memory-store.js';
import type {
  ApplyResult,
  ConfigEventHandler,
  ConfigStore,
  SourceDiagnostics,
  StoredResource,
} from './store.js';
import { canonicalJson, ResourceTable, sameContent } from './table.js';

/** Parses and validates one file's text into resources (src/api's loader by default). */
export type FileLoader = (text: string, file: string) => { resources: Resource[]; diagnostics: Diagnostic[] };

export interface FileConfigStoreOptions {
  validate?: ResourceValidator;
  load?: FileLoader;
  /** Quiet time after the last file-system event before the directory is rescanned, in ms (default 100). */
  debounceMs?: number;
  /** Follow changes on disk (fs.watch plus the poll below; default true). False: read once, then only API edits. */
  watch?: boolean;
  /**
   * Also rescan every this many ms (default 2000; 0 = off): a safety net for events fs.watch misses (files
   * written into a just-created directory, network file systems). A rescan stats every file, reads changed ones.
   */
  pollIntervalMs?: number;
}

interface FileState {
  /** The text last read or written, good or broken, so an unchanged file is not parsed again. */
  text: string;
  /** The resources of the last good version of the file, by key string. */
  good: Map<string, Resource>;
  diagnostics: Diagnostic[];
  broken: boolean;
  /** Broken only because another file already defines one of its resources: retried when others change. */
  conflict: boolean;
}

export class FileConfigStore implements ConfigStore {
  readonly name: string;
  private readonly table = new ResourceTable();
  private readonly files = new Map<string, FileState>();
  /** Which file defines each resource (key string → file path). */
  private readonly owners = new Map<string, string>();
  /** Resources their file dropped during the current batch; deleted at settle() unless another file took them. */
  private readonly orphans = new Map<string, Resource>();
  /** Files that exist but could not be read; what they last defined keeps serving. */
  private readonly unreadable = new Map<string, Diagnostic>();
  /** inode:size:mtime of each file when last read. */
  private readonly stamps = new Map<string, string>();
  private readonly validate: ResourceValidator;
  private readonly load: FileLoader;
  /** Drops a gone file's cached documents. */
  private readonly forgetFile: (file: string) => void;
  private queue: Promise<unknown> = Promise.resolve();
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private lastDiagnostics = '[]';
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly options: FileConfigStoreOptions,
  ) {
    this.name = `file:${dir}`;
    this.validate = options.validate ?? validateResource;
    // Each document's result is reused while its text and position are unchanged (edits to big files).
    const cached = documentCachedLoader(loadText);
    this.forgetFile = cached.forget;
    this.load = options.load ?? cached;
  }

  /** Creates the directory if needed, loads every file in it, then starts watching. */
  static async open(dir: string, options: FileConfigStoreOptions = {}): Promise<FileConfigStore> {
    await mkdir(dir, { recursive: true });
    const store = new FileConfigStore(dir, options);
    await store.resync();
    store.startWatching();
    return store;
  }

  get revision(): number {
    return this.table.revision;
  }

  get(kind: string, namespace: string, name: string): StoredResource | undefined {
    return this.table.get(kind, namespace, name);
  }

  list(kind: string, namespace?: string): readonly StoredResource[] {
    return this.table.list(kind, namespace);
  }

  all(): readonly StoredResource[] {
    return this.table.all();
  }

  watch(handler: ConfigEventHandler): () => void {
    return this.table.watch(handler);
  }

  diagnostics(): readonly SourceDiagnostics[] {
    const out = new Map<string, SourceDiagnostics>();
    for (const [source, s] of this.files) {
      if (s.diagnostics.length > 0) out.set(source, { source, broken: s.broken, diagnostics: s.diagnostics });
    }
    for (const [source, d] of this.unreadable) {
      out.set(source, { source, broken: true, diagnostics: [d, ...(out.get(source)?.diagnostics ?? [])] });
    }
    return [...out.values()].sort((a, b) => (a.source < b.source ? -1 : 1));
  }

  watchDiagnostics(handler: (all: readonly SourceDiagnostics[]) => void): () => void {
    return this.table.watchDiagnostics(handler);
  }

  /** Rescans the directory now (the watcher does this by itself); resolves once changes are applied. */
  resync(): Promise<void> {
    return this.serialize(() => this.scan());
  }

  apply(resources: readonly Resource[]): Promise<ApplyResult[]> {
    return this.serialize(async () => {
      const { accepted, results } = validateAll(resources, this.validate);
      for (const a of accepted) {
        const result = results[a.index];
        try {
          result.action = await this.persist(result.key, resources[a.index], a.resource);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          const { file, line } = resources[a.index].source ?? { file: '<api>', line: 0 };
          const failure: Diagnostic = { severity: 'error', file, line, path: '', message, code: 'persist' };
          result.diagnostics = [...result.diagnostics, failure];
        }
      }
      this.settle(true);
      return results;
    });
  }

  delete(kind: string, namespace: string, name: string): Promise<boolean> {
    const key: ResourceKey = { kind: normalizeKind(kind), namespace, name };
    return this.serialize(async () => {
      const file = this.owners.get(keyString(key));
      const state = file ? this.files.get(file) : undefined;
      if (!file || !state) return false;
      if (state.broken)
        throw new Error(`cannot delete ${describeKey(key)}: ${file} has errors; fix it first`);
      if (countResources(state.text) <= 1) {
        await unlink(file);
        this.release(file);
      } else {
        const text = removeDocument(state.text, file, key);
        if (text === undefined) throw new Error(`${describeKey(key)} not found in ${file}`);
        await writeAtomic(file, text);
        this.process(file, text);
      }
      this.settle(true);
      return true;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    clearTimeout(this.debounce);
    clearInterval(this.poller);
    await this.queue.catch(() => {});
  }

  /** Runs store mutations one at a time, so scans and API edits never interleave. */
  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => {});
    return next;
  }

  private startWatching(): void {
    if (this.options.watch === false) return;
    this.watchDirectory();
    const poll = this.options.pollIntervalMs ?? 2000;
    if (poll > 0) this.startPolling(poll);
  }

  /** fs.watch on the tree; if the watcher fails (the directory was replaced, a limit was hit) it is re-made. */
  private watchDirectory(): void {
    if (this.closed) return;
    try {
      const watcher = watch(this.dir, { recursive: true }, () => this.schedule());
      watcher.on('error', () => {
        watcher.close();
        if (this.watcher === watcher) this.watcher = undefined;
        this.schedule();
        setTimeout(() => this.watchDirectory(), 1000).unref();
      });
      this.watcher = watcher;
    } catch {
      // Not watchable right now (e.g. the directory is gone): the poll keeps checking, retry later.
      setTimeout(() => this.watchDirectory(), 1000).unref();
    }
  }

  private startPolling(intervalMs: number): void {
    if (this.poller || this.closed) return;
    this.poller = setInterval(() => this.schedule(), intervalMs);
    this.poller.unref();
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.resync().catch((err: unknown) =>
        process.emitWarning(`config rescan of ${this.dir} failed: ${err}`),
      );
    }, this.options.debounceMs ?? 100);
  }

  private async scan(): Promise<void> {
    const texts = new Map<string, string>();
    for (const file of await listConfigFiles(this.dir)) {
      try {
        // Only files whose stat changed are read again, so the safety-net poll costs a stat per file.
        const s = await stat(file);
        const stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
        const known = this.files.get(file);
        if (known && this.stamps.get(file) === stamp) {
          texts.set(file, known.text);
          continue;
        }
        texts.set(file, await readFile(file, 'utf8'));
        this.stamps.set(file, stamp);
        this.unreadable.delete(file);
      } catch (err) {
        // Removed between listing and reading: gone. Unreadable (permissions, I/O): keep what it defined.
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        const known = this.files.get(file);
        if (known) texts.set(file, known.text);
        const message = `cannot read: ${err instanceof Error ? err.message : String(err)}`;
        this.unreadable.set(file, { severity: 'error', file, line: 0, path: '', message, code: 'read' });
      }
    }
    for (const file of [...this.unreadable.keys()])
      if (!texts.has(file) && !this.files.has(file)) this.unreadable.delete(file);
    for (const file of [...this.stamps.keys()]) if (!texts.has(file)) this.stamps.delete(file);
    let changed = false;
    for (const file of [...this.files.keys()]) {
      if (texts.has(file)) continue;
      this.release(file);
      changed = true;
    }
    for (const [file, text] of [...texts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (this.files.get(file)?.text === text) continue;
      this.process(file, text);
      changed = true;
    }
    this.settle(changed);
  }

  /**
   * Ends a batch of file changes. Files that lost a duplicate conflict try again (a resource that moved is
   * claimed by its new file once the old one let go), then resources no file defines any more are deleted.
   * Deleting only now means a renamed file or a resource moved between files emits no delete/add churn.
   */
  private settle(changed: boolean): void {
    if (changed) {
      for (const [file, state] of [...this.files]) if (state.conflict) this.process(file, state.text);
    }
    for (const [id, resource] of this.orphans) if (!this.owners.has(id)) this.table.remove(keyOf(resource));
    this.orphans.clear();
    this.publishDiagnostics();
  }

  /** Loads one file's text; a valid file replaces its resources, a broken one keeps the last good ones. */
  private process(file: string, text: string): 'ok' | 'broken' | 'conflict' {
    const loaded = this.load(text, file);
    const diagnostics = [...loaded.diagnostics];
    const next = new Map<string, Resource>();
    let conflict = false;
    for (const resource of loaded.resources) {
      const key = keyOf(resource);
      const id = keyString(key);
      const owner = this.owners.get(id);
      const at = { file, line: resource.source.line, path: 'metadata.name', severity: 'error' as const };
      if (next.has(id)) {
        diagnostics.push({
          ...at,
          message: `${describeKey(key)} is defined twice in this file`,
          code: 'duplicate',
        });
      } else if (owner !== undefined && owner !== file) {
        const other = this.files.get(owner)?.good.get(id)?.source.line;
        const where = other ? `${owner}:${other}` : owner;
        diagnostics.push({
          ...at,
          message: `${describeKey(key)} is already defined in ${where}`,
          code: 'duplicate',
        });
        conflict = true;
      }
      next.set(id, resource);
    }
    const broken = diagnostics.some((d) => d.severity === 'error');
    const previous = this.files.get(file)?.good ?? new Map<string, Resource>();
    this.files.set(file, { text, good: broken ? previous : next, diagnostics, broken, conflict });
    if (broken) return conflict ? 'conflict' : 'broken';
    for (const [id, resource] of next) {
      this.owners.set(id, file);
      this.table.put(resource);
    }
    for (const [id, resource] of previous) {
      if (!next.has(id) && this.owners.get(id) === file) {
        this.owners.delete(id);
        this.orphans.set(id, resource);
      }
    }
    return 'ok';
  }

  /** Forgets a file that is gone: its resources (the last good ones) are deleted when the batch settles. */
  private release(file: string): void {
    this.forgetFile(file);
    const state = this.files.get(file);
    this.files.delete(file);
    for (const [id, resource] of state?.good ?? []) {
      if (this.owners.get(id) !== file) continue;
      this.owners.delete(id);
      this.orphans.set(id, resource);
    }
  }

  private async persist(key: ResourceKey, input: Resource, valid: Resource): Promise<ApplyResult['action']> {
    const before = this.table.entry(key);
    if (before && sameContent(before, valid)) return 'unchanged';
    const body: Resource = {
      ...input,
      metadata: { ...input.metadata, ...(key.namespace ? { namespace: key.namespace } : {}) },
    };
    const owner = this.owners.get(keyString(key));
    let file: string;
    let text: string;
    const previousText = owner ? this.files.get(owner)?.text : undefined;
    if (owner && previousText !== undefined) {
      if (this.files.get(owner)?.broken)
        throw new Error(`${owner} has errors; fix it before changing what it defines`);
      const edited = replaceDocument(previousText, owner, key, body);
      if (edited === undefined) throw new Error(`${describeKey(key)} not found in ${owner}`);
      file = owner;
      text = edited;
    } else {
      file = await this.newFilePath(key);
      text = renderResource(body, file);
    }
    await writeAtomic(file, text);
    if (this.process(file, text) !== 'ok') {
      // The written file does not load back (should not happen after validation): undo the write.
      const problems = this.files.get(file)?.diagnostics ?? [];
      if (previousText === undefined) {
        await unlink(file);
        this.release(file);
      } else {
        await writeAtomic(file, previousText);
        this.process(file, previousText);
      }
      throw new Error(`written file did not load back: ${problems.map((d) => d.message).join('; ')}`);
    }
    return before ? 'configured' : 'created';
  }

  /** `<dir>/<namespace>/<kind>-<name>.yaml` (`_cluster` for cluster-scoped kinds), made unique if taken. */
  private async newFilePath(key: ResourceKey): Promise<string> {
    const slash = key.kind.lastIndexOf('/');
    const bare = key.kind.slice(slash + 1);
    // A kind outside its bare name's default group (Gateway API's Gateway) carries its group in the name.
    const kindPart =
      normalizeKind(bare) === key.kind
        ? bare.toLowerCase()
        : `${bare.toLowerCase()}.${key.kind.slice(0, slash)}`;
    const folder = join(this.dir, key.namespace || '_cluster');
    await mkdir(folder, { recursive: true });
    for (let n = 1; ; n++) {
      const file = join(folder, `${kindPart}-${key.name}${n === 1 ? '' : `-${n}`}.yaml`);
      if (!this.files.has(file) && !(await exists(file))) return file;
    }
  }

  private publishDiagnostics(): void {
    const all = this.diagnostics();
    const now = canonicalJson(all);
    if (now === this.lastDiagnostics) return;
    this.lastDiagnostics = now;
    this.table.emitDiagnostics(all);
  }
}
