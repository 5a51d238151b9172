// The shared ConfigStore conformance suite: every backend (memory, file, later etcd and Kubernetes) runs it.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Resource } from './api.js';
import type { ConfigEvent, ConfigStore } from './store.js';

/** A fresh, empty store; `cleanup` (if any) runs after the store is closed. */
export type MakeStore = () => Promise<ConfigStore | { store: ConfigStore; cleanup: () => Promise<void> }>;

export function virtualService(name: string, host: string, namespace?: string): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: namespace ?? '', labels: {}, annotations: {} },
    spec: { hosts: [host], http: [{ route: [{ destination: { host } }] }] },
    source: { file: 'test.yaml', line: 1 },
  };
}

export function destinationRule(name: string, host: string, namespace = 'default'): Resource {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace, labels: {}, annotations: {} },
    spec: { host, subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
    source: { file: 'test.yaml', line: 1 },
  };
}

/** A resource src/api refuses: a misspelt field inside the spec (`weigth`), reported with its field path. */
export function misspelt(): Resource {
  const r = virtualService('bad', 'reviews', 'default');
  return {
    ...r,
    spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' }, weigth: 100 }] }] },
  };
}

function record(store: ConfigStore): ConfigEvent[] {
  const events: ConfigEvent[] = [];
  store.watch((e) => events.push(e));
  return events;
}

export function runConfigStoreConformance(name: string, makeStore: MakeStore): void {
  describe(`ConfigStore conformance: ${name}`, () => {
    let teardown: (() => Promise<void>) | undefined;
    async function open(): Promise<ConfigStore> {
      const made = await makeStore();
      const store = 'store' in made ? made.store : made;
      const cleanup = 'store' in made ? made.cleanup : undefined;
      teardown = async () => {
        await store.close();
        await cleanup?.();
      };
      return store;
    }
    afterEach(async () => {
      await teardown?.();
      teardown = undefined;
    });

    it('starts empty', async () => {
      const store = await open();
      assert.deepEqual(store.all(), []);
      assert.equal(store.get('VirtualService', 'default', 'reviews'), undefined);
    });

    it('apply creates, emits added, bumps the revision and serves the resource', async () => {
      const store = await open();
      const events = record(store);
      const before = store.revision;
      const [result] = await store.apply([virtualService('reviews', 'reviews', 'default')]);
      assert.equal(result.action, 'created');
      assert.deepEqual(result.key, {
        kind: 'networking.istio.io/VirtualService',
        namespace: 'default',
        name: 'reviews',
      });
      const got = store.get('VirtualService', 'default', 'reviews');
      assert.ok(got);
      assert.deepEqual((got.spec as { hosts: string[] }).hosts, ['reviews']);
      assert.ok(store.revision > before);
      assert.equal(events.length, 1);
      assert.equal(events[0].type, 'added');
      assert.equal(events[0].resource, got);
      assert.equal(events[0].revision, store.revision);
    });

    it('re-applying equal content is unchanged: no event, same revision', async () => {
      const store = await open();
      await store.apply([virtualService('reviews', 'reviews', 'default')]);
      const events = record(store);
      const revision = store.revision;
      const [result] = await store.apply([virtualService('reviews', 'reviews', 'default')]);
      assert.equal(result.action, 'unchanged');
      assert.equal(events.length, 0);
      assert.equal(store.revision, revision);
    });

    it('applying new content updates and the event carries the previous version', async () => {
      const store = await open();
      await store.apply([virtualService('reviews', 'reviews', 'default')]);
      const old = store.get('VirtualService', 'default', 'reviews');
      const events = record(store);
      const [result] = await store.apply([
        virtualService('reviews', 'reviews.prod.svc.cluster.local', 'default'),
      ]);
      assert.equal(result.action, 'configured');
      assert.equal(events.length, 1);
      const e = events[0];
      assert.equal(e.type, 'updated');
      assert.ok(e.type === 'updated' && e.previous === old);
      assert.deepEqual((e.resource.spec as { hosts: string[] }).hosts, ['reviews.prod.svc.cluster.local']);
    });

    it('delete removes, emits deleted with the last version, and is false the second time', async () => {
      const store = await open();
      await store.apply([virtualService('reviews', 'reviews', 'default')]);
      const last = store.get('VirtualService', 'default', 'reviews');
      const events = record(store);
      const revision = store.revision;
      assert.equal(await store.delete('VirtualService', 'default', 'reviews'), true);
      assert.equal(store.get('VirtualService', 'default', 'reviews'), undefined);
      assert.deepEqual(
        events.map((e) => [e.type, e.resource]),
        [['deleted', last]],
      );
      assert.ok(store.revision > revision);
      assert.equal(await store.delete('VirtualService', 'default', 'reviews'), false);
      assert.equal(events.length, 1);
    });

    it('an invalid resource is rejected with field-path diagnostics; valid ones in the batch still land', async () => {
      const store = await open();
      const events = record(store);
      const results = await store.apply([misspelt(), virtualService('ok', 'ratings', 'default')]);
      assert.equal(results[0].action, 'rejected');
      assert.ok(
        results[0].diagnostics.some(
          (d) => d.severity === 'error' && d.path === 'spec.http[0].route[0].weigth',
        ),
      );
      assert.equal(results[1].action, 'created');
      assert.deepEqual(
        store.all().map((r) => r.metadata.name),
        ['ok'],
      );
      assert.equal(events.length, 1);
    });

    it('lists by kind and namespace, sorted; kind spellings agree', async () => {
      const store = await open();
      await store.apply([
        virtualService('b', 'b', 'prod'),
        virtualService('a', 'a', 'prod'),
        virtualService('c', 'c', 'default'),
        destinationRule('reviews', 'reviews', 'prod'),
      ]);
      const names = (rs: readonly Resource[]) => rs.map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
      assert.deepEqual(names(store.list('VirtualService')), ['default/c', 'prod/a', 'prod/b']);
      assert.deepEqual(names(store.list('VirtualService', 'prod')), ['prod/a', 'prod/b']);
      assert.deepEqual(names(store.list('vs', 'prod')), ['prod/a', 'prod/b']);
      assert.deepEqual(names(store.list('networking.istio.io/VirtualService', 'prod')), ['prod/a', 'prod/b']);
      assert.deepEqual(names(store.list('dr')), ['prod/reviews']);
      assert.deepEqual(names(store.list('Gateway')), []);
      assert.equal(store.all().length, 4);
    });

    it('a resource without a namespace is stored in "default"', async () => {
      const store = await open();
      const [result] = await store.apply([virtualService('reviews', 'reviews')]);
      assert.equal(result.key.namespace, 'default');
      assert.ok(store.get('VirtualService', 'default', 'reviews'));
    });

    it('cluster-scoped kinds live in namespace ""', async () => {
      const store = await open();
      const [result] = await store.apply([
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name: 'prod',
            namespace: '',
            labels: { 'istio-injection': 'enabled' },
            annotations: {},
          },
          spec: {},
          source: { file: 'test.yaml', line: 1 },
        },
      ]);
      assert.equal(result.action, 'created');
      assert.deepEqual(result.key, { kind: 'Namespace', namespace: '', name: 'prod' });
      assert.equal(store.get('Namespace', '', 'prod')?.metadata.labels['istio-injection'], 'enabled');
      assert.deepEqual(
        store.list('namespaces').map((r) => r.metadata.name),
        ['prod'],
      );
      assert.equal(await store.delete('ns', '', 'prod'), true);
    });

    it('apiVersions of one group share a key: v1beta1 then v1 updates the same resource', async () => {
      const store = await open();
      await store.apply([
        { ...virtualService('r', 'reviews', 'default'), apiVersion: 'networking.istio.io/v1beta1' },
      ]);
      const [result] = await store.apply([virtualService('r', 'reviews', 'default')]);
      assert.equal(result.action, 'configured');
      assert.equal(store.list('VirtualService').length, 1);
      assert.equal(store.get('VirtualService', 'default', 'r')?.apiVersion, 'networking.istio.io/v1');
    });

    it('stored resources are deeply frozen and independent of the caller’s objects', async () => {
      const store = await open();
      const input = virtualService('reviews', 'reviews', 'default');
      await store.apply([input]);
      (input.spec as { hosts: string[] }).hosts.push('mutated');
      const got = store.get('VirtualService', 'default', 'reviews');
      assert.ok(got);
      assert.deepEqual((got.spec as { hosts: string[] }).hosts, ['reviews']);
      assert.ok(Object.isFrozen(got));
      assert.ok(Object.isFrozen(got.metadata));
      assert.ok(Object.isFrozen((got.spec as { hosts: string[] }).hosts));
      assert.throws(() => {
        (got.spec as { hosts: string[] }).hosts.push('x');
      });
    });

    it('unwatch stops delivery; a throwing watcher does not stop the others', async () => {
      const store = await open();
      const seen: string[] = [];
      const stop = store.watch((e) => seen.push(`a:${e.type}`));
      store.watch(() => {
        throw new Error('watcher bug');
      });
      store.watch((e) => seen.push(`b:${e.type}`));
      await store.apply([virtualService('r', 'reviews', 'default')]);
      stop();
      await store.delete('VirtualService', 'default', 'r');
      assert.deepEqual(seen, ['a:added', 'b:added', 'b:deleted']);
    });

    it('the revision never decreases and events arrive in revision order', async () => {
      const store = await open();
      const events = record(store);
      await store.apply([virtualService('a', 'a', 'default'), virtualService('b', 'b', 'default')]);
      await store.apply([virtualService('a', 'a2', 'default')]);
      await store.delete('VirtualService', 'default', 'b');
      const revisions = events.map((e) => e.revision);
      assert.deepEqual(
        events.map((e) => `${e.type}:${e.resource.metadata.name}`),
        ['added:a', 'added:b', 'updated:a', 'deleted:b'],
      );
      assert.deepEqual(
        revisions,
        [...revisions].sort((x, y) => x - y),
      );
      assert.equal(new Set(revisions).size, revisions.length);
      assert.equal(store.revision, revisions.at(-1));
    });

    it('has no source diagnostics after API use', async () => {
      const store = await open();
      await store.apply([misspelt(), virtualService('a', 'a', 'default')]);
      assert.deepEqual(
        store.diagnostics().filter((d) => d.broken),
        [],
      );
    });
  });
}
