// The file-directory backend: conformance suite plus on-disk behaviour (watching, broken files, persistence).
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { runConfigStoreConformance, virtualService } from './conformance.js';
import { FileConfigStore } from './file-store.js';
import type { ConfigEvent, SourceDiagnostics, StoredResource } from './store.js';

runConfigStoreConformance('file directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-config-'));
  const store = await FileConfigStore.open(dir, { debounceMs: 20 });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

const VS = (name: string, host: string, ns = 'default') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  hosts: [${host}]
  http:
    - route:
        - destination: {host: ${host}}
`;

function hostsOf(resource: StoredResource | undefined): string[] | undefined {
  return (resource?.spec as { hosts?: string[] } | undefined)?.hosts;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FileConfigStore on disk', () => {
  let dir: string;
  let store: FileConfigStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });
  async function open(files: Record<string, string>): Promise<FileConfigStore> {
    dir = await mkdtemp(join(tmpdir(), 'trellis-config-'));
    for (const [name, text] of Object.entries(files)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    store = await FileConfigStore.open(dir, { debounceMs: 20 });
    return store;
  }

  it('loads a tree of YAML and JSON files, multi-document, with file and line; skips hidden files', async () => {
    const s = await open({
      'a.yaml': `${VS('one', 'one')}---\n${VS('two', 'two', 'prod')}`,
      'nested/deeper/b.yml': VS('three', 'three'),
      'c.json': JSON.stringify({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'four', namespace: 'default' },
        spec: { hosts: ['four'], http: [{ route: [{ destination: { host: 'four' } }] }] },
      }),
      '.hidden.yaml': VS('hidden', 'hidden'),
      'notes.txt': 'not config',
    });
    assert.deepEqual(
      s.list('VirtualService').map((r) => r.metadata.name),
      ['four', 'one', 'three', 'two'],
    );
    const two = s.get('VirtualService', 'prod', 'two');
    assert.equal(two?.source.file, join(dir, 'a.yaml'));
    assert.equal(two?.source.line, 12);
    assert.deepEqual(s.diagnostics(), []);
  });

  it('an edit on disk becomes an updated event; a new file added, a removed file deleted', async () => {
    const s = await open({ 'a.yaml': VS('reviews', 'reviews') });
    const events: ConfigEvent[] = [];
    s.watch((e) => events.push(e));
    await writeFile(join(dir, 'a.yaml'), VS('reviews', 'reviews.prod.svc.cluster.local'));
    await waitFor('updated event', () => events.length === 1);
    assert.equal(events[0].type, 'updated');
    assert.deepEqual(hostsOf(s.get('vs', 'default', 'reviews')), ['reviews.prod.svc.cluster.local']);
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'b.yaml'), VS('ratings', 'ratings'));
    await waitFor('added event', () => events.length === 2);
    assert.equal(events[1].type, 'added');
    await rm(join(dir, 'a.yaml'));
    await waitFor('deleted event', () => events.length === 3);
    assert.deepEqual([events[2].type, events[2].resource.metadata.name], ['deleted', 'reviews']);
  });

  it('removing a whole subdirectory deletes what its files defined', async () => {
    const s = await open({
      'team/a/x.yaml': VS('x', 'x'),
      'team/b/y.yaml': VS('y', 'y'),
      'z.yaml': VS('z', 'z'),
    });
    const events: ConfigEvent[] = [];
    s.watch((e) => events.push(e));
    await rm(join(dir, 'team'), { recursive: true });
    await waitFor('two deletions', () => events.length === 2);
    assert.deepEqual(
      s.all().map((r) => r.metadata.name),
      ['z'],
    );
    // The watcher still works afterwards.
    await writeFile(join(dir, 'w.yaml'), VS('w', 'w'));
    await waitFor('an addition', () => events.length === 3);
  });

  it('a broken file is reported and its last good resources keep serving until it is fixed', async () => {
    const s = await open({ 'a.yaml': `${VS('one', 'one')}---\n${VS('two', 'two')}` });
    const reports: (readonly SourceDiagnostics[])[] = [];
    s.watchDiagnostics((all) => reports.push(all));
    const events: ConfigEvent[] = [];
    s.watch((e) => events.push(e));
    // Valid first document changed, second document is not YAML: nothing of the edit applies.
    await writeFile(join(dir, 'a.yaml'), `${VS('one', 'changed')}---\nkind: [unclosed\n`);
    await waitFor('diagnostics', () => reports.length === 1);
    const [report] = reports[0];
    assert.equal(report.source, join(dir, 'a.yaml'));
    assert.equal(report.broken, true);
    assert.ok(
      report.diagnostics.length > 0 && report.diagnostics.every((d) => d.file === join(dir, 'a.yaml')),
    );
    assert.ok(report.diagnostics.some((d) => d.severity === 'error' && (d.line ?? 0) >= 12));
    assert.deepEqual(hostsOf(s.get('vs', 'default', 'one')), ['one']);
    assert.ok(s.get('vs', 'default', 'two'));
    assert.equal(events.length, 0);
    // Fixed: the new content applies (two is gone from the file) and the report clears.
    await writeFile(join(dir, 'a.yaml'), VS('one', 'fixed'));
    await waitFor('recovery', () => reports.length === 2);
    assert.deepEqual(reports[1], []);
    assert.deepEqual(hostsOf(s.get('vs', 'default', 'one')), ['fixed']);
    assert.equal(s.get('vs', 'default', 'two'), undefined);
    assert.deepEqual(
      events.map((e) => e.type),
      ['updated', 'deleted'],
    );
  });

  it('a file that cannot be read is reported and what it defined keeps serving', async (t) => {
    if (process.getuid?.() === 0) {
      t.skip('root reads any file whatever its mode');
      return;
    }
    const s = await open({ 'a.yaml': VS('one', 'one') });
    await writeFile(join(dir, 'a.yaml'), VS('one', 'changed'));
    await chmod(join(dir, 'a.yaml'), 0o000);
    await s.resync();
    assert.deepEqual(hostsOf(s.get('vs', 'default', 'one')), ['one']);
    const [report] = s.diagnostics();
    assert.equal(report.broken, true);
    assert.match(report.diagnostics[0].message, /^cannot read: /);
    await chmod(join(dir, 'a.yaml'), 0o644);
    await s.resync();
    assert.deepEqual(hostsOf(s.get('vs', 'default', 'one')), ['changed']);
    assert.deepEqual(s.diagnostics(), []);
  });

  it('an invalid resource in a file breaks the file with the field path and line analyze reports', async () => {
    const text = VS('one', 'one').replace(
      '        - destination: {host: one}\n',
      '        - destination: {host: one}\n          weigth: 100\n',
    );
    const s = await open({ 'a.yaml': text });
    const [report] = s.diagnostics();
    assert.equal(report.broken, true);
    const d = report.diagnostics.find((x) => x.severity === 'error');
    assert.equal(d?.path, 'spec.http[0].route[0].weigth');
    assert.equal(d?.line, 11);
    assert.match(d?.message ?? '', /weight/);
    assert.deepEqual(s.all(), []);
  });

  it('the same resource in two files: the first keeps it, the second is reported; a move between files works', async () => {
    const s = await open({ 'a.yaml': VS('dup', 'from-a'), 'b.yaml': VS('dup', 'from-b') });
    assert.deepEqual(hostsOf(s.get('vs', 'default', 'dup')), ['from-a']);
    const [report] = s.diagnostics();
    assert.equal(report.source, join(dir, 'b.yaml'));
    assert.match(report.diagnostics[0].message, /already defined in .*a\.yaml:1/);
    // Remove it from a.yaml: b.yaml's version takes over on the same rescan.
    await writeFile(join(dir, 'a.yaml'), VS('other', 'other'));
    await s.resync();
    assert.deepEqual(hostsOf(s.get('vs', 'default', 'dup')), ['from-b']);
    assert.deepEqual(s.diagnostics(), []);
  });

  it('renaming a file or moving a resource between files emits no delete/add churn', async () => {
    const s = await open({
      'a.yaml': `${VS('one', 'one')}---\n${VS('two', 'two')}`,
      'z.yaml': VS('three', 'three'),
    });
    const events: ConfigEvent[] = [];
    s.watch((e) => events.push(e));
    await rename(join(dir, 'a.yaml'), join(dir, 'b.yaml'));
    await s.resync();
    assert.equal(events.length, 0);
    assert.equal(s.get('vs', 'default', 'one')?.source.file, join(dir, 'b.yaml'));
    // `three` moves from z.yaml into b.yaml (which sorts first) in one change.
    await writeFile(
      join(dir, 'b.yaml'),
      `${VS('one', 'one')}---\n${VS('two', 'two')}---\n${VS('three', 'three')}`,
    );
    await writeFile(join(dir, 'z.yaml'), '');
    await s.resync();
    assert.equal(events.length, 0);
    assert.equal(s.get('vs', 'default', 'three')?.source.file, join(dir, 'b.yaml'));
    assert.deepEqual(s.diagnostics(), []);
    await rm(join(dir, 'b.yaml'));
    await s.resync();
    assert.deepEqual(events.map((e) => `${e.type}:${e.resource.metadata.name}`).sort(), [
      'deleted:one',
      'deleted:three',
      'deleted:two',
    ]);
  });

  it('apply persists one file per new resource; a store reopened on the directory serves it', async () => {
    const s = await open({});
    const [result] = await s.apply([virtualService('reviews', 'reviews', 'prod')]);
    assert.equal(result.action, 'created');
    const file = join(dir, 'prod', 'virtualservice-reviews.yaml');
    assert.match(await readFile(file, 'utf8'), /kind: VirtualService[\s\S]*namespace: prod/);
    assert.equal(s.get('vs', 'prod', 'reviews')?.source.file, file);
    // Gateway API's Gateway is not the bare `Gateway` (Istio's): its file name carries its group.
    const [gw] = await s.apply([
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'prod', labels: {}, annotations: {} },
        spec: { gatewayClassName: 'trellis', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
        source: { file: 'gw.yaml', line: 1 },
      },
    ]);
    assert.equal(gw.action, 'created', JSON.stringify(gw.diagnostics));
    assert.ok((await readdir(join(dir, 'prod'))).includes('gateway.gateway.networking.k8s.io-gw.yaml'));
    assert.ok(s.get('gateway.networking.k8s.io/Gateway', 'prod', 'gw'));
    assert.equal(s.get('Gateway', 'prod', 'gw'), undefined);
    const reopened = await FileConfigStore.open(dir, { watch: false });
    assert.deepEqual(hostsOf(reopened.get('vs', 'prod', 'reviews')), ['reviews']);
    await reopened.close();
  });

  it('apply puts cluster-scoped kinds under _cluster and keeps namespace out of them', async () => {
    const s = await open({});
    const [result] = await s.apply([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'prod', namespace: '', labels: { 'istio-injection': 'enabled' }, annotations: {} },
        spec: {},
        source: { file: 'ns.yaml', line: 1 },
      },
    ]);
    assert.equal(result.action, 'created');
    assert.deepEqual(result.key, { kind: 'Namespace', namespace: '', name: 'prod' });
    const text = await readFile(join(dir, '_cluster', 'namespace-prod.yaml'), 'utf8');
    assert.doesNotMatch(text, /namespace:/);
    assert.match(text, /istio-injection: enabled/);
    assert.equal(s.get('Namespace', '', 'prod')?.metadata.labels['istio-injection'], 'enabled');
  });

  it('apply rewrites a resource inside its own multi-document file, keeping the other documents and comments', async () => {
    const original = `# bookinfo routes\n${VS('one', 'one')}---\n# keep me\n${VS('two', 'two')}`;
    const s = await open({ 'a.yaml': original });
    const [result] = await s.apply([virtualService('one', 'one-v2', 'default')]);
    assert.equal(result.action, 'configured');
    const text = await readFile(join(dir, 'a.yaml'), 'utf8');
    assert.ok(text.startsWith('# bookinfo routes\n'));
    assert.ok(text.includes(`---\n# keep me\n${VS('two', 'two')}`));
    assert.match(text, /one-v2/);
    assert.deepEqual(await readdir(dir), ['a.yaml']);
    // The watcher sees the file the store wrote itself as already known: no second event.
    const events: ConfigEvent[] = [];
    s.watch((e) => events.push(e));
    await new Promise((r) => setTimeout(r, 100));
    await s.resync();
    assert.equal(events.length, 0);
  });

  it('delete removes one document from a multi-document file, and a single-document file entirely', async () => {
    const s = await open({
      'a.yaml': `${VS('one', 'one')}---\n${VS('two', 'two')}`,
      'b.yaml': VS('three', 'three'),
    });
    assert.equal(await s.delete('VirtualService', 'default', 'one'), true);
    assert.equal(await readFile(join(dir, 'a.yaml'), 'utf8'), VS('two', 'two'));
    assert.equal(await s.delete('VirtualService', 'default', 'three'), true);
    assert.deepEqual(await readdir(dir), ['a.yaml']);
    assert.deepEqual(
      s.all().map((r) => r.metadata.name),
      ['two'],
    );
  });

  it('apply or delete on a resource of a broken file is refused and the file is left alone', async () => {
    const s = await open({ 'a.yaml': VS('one', 'one') });
    const broken = `${VS('one', 'one')}---\nkind: [unclosed\n`;
    await writeFile(join(dir, 'a.yaml'), broken);
    await s.resync();
    const [result] = await s.apply([virtualService('one', 'other', 'default')]);
    assert.equal(result.action, 'rejected');
    assert.match(result.diagnostics.at(-1)?.message ?? '', /has errors/);
    await assert.rejects(s.delete('VirtualService', 'default', 'one'), /has errors/);
    assert.equal(await readFile(join(dir, 'a.yaml'), 'utf8'), broken);
  });
});
