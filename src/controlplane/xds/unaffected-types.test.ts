// Which xDS types a change cannot affect: only a change confined to VirtualServices spares clusters and
// endpoints; anything touching DestinationRules, services, endpoints or mesh settings skips nothing, and a
// merged push skips only what all its parts skip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOOKINFO } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import type { Resource } from '../../api/resource.js';
import { Snapshot } from '../model/snapshot.js';
import { TYPE_URLS } from '../translate/generators.js';
import { mergePush, type PushRequest } from './debounce.js';
import { changedKinds, unaffectedTypes } from './unaffected-types.js';

const base = snapshotFromYaml(BOOKINFO);

/** The same snapshot inputs with each config passed through `edit` (a fresh copy of every resource). */
function variant(edit: (r: Resource) => Resource = (r) => r, extra: Partial<Snapshot> = {}): Snapshot {
  return new Snapshot({
    configs: base.configs.map((r) => edit(structuredClone(r))),
    services: extra.services ?? base.services,
    instances: extra.instances ?? base.instances,
    mesh: extra.mesh ?? base.mesh,
    version: 'next',
  });
}

const retimed = (kind: string) => (r: Resource) =>
  r.kind === kind ? { ...r, metadata: { ...r.metadata, labels: { edited: 'yes' } } } : r;

test('a VirtualService-only change leaves clusters and endpoints alone', () => {
  const next = variant(retimed('VirtualService'));
  assert.deepEqual([...changedKinds(base, next)], ['VirtualService']);
  assert.deepEqual([...unaffectedTypes(base, next)].sort(), [TYPE_URLS.cluster, TYPE_URLS.endpoint].sort());
});

test('re-read resources with the same content are no change, and then nothing is skipped', () => {
  const next = variant();
  assert.deepEqual([...changedKinds(base, next)], []);
  assert.equal(unaffectedTypes(base, next).size, 0);
});

test('DestinationRule, service, endpoint and mesh changes skip nothing', () => {
  assert.equal(unaffectedTypes(base, variant(retimed('DestinationRule'))).size, 0);
  const both = (r: Resource) => retimed('DestinationRule')(retimed('VirtualService')(r));
  assert.equal(unaffectedTypes(base, variant(both)).size, 0);
  assert.equal(
    unaffectedTypes(base, variant(retimed('VirtualService'), { instances: base.instances.slice(1) })).size,
    0,
  );
  assert.equal(
    unaffectedTypes(base, variant(retimed('VirtualService'), { services: base.services.slice(1) })).size,
    0,
  );
  const mesh = { ...base.mesh, outboundTrafficPolicy: 'REGISTRY_ONLY' as const };
  assert.equal(unaffectedTypes(base, variant(retimed('VirtualService'), { mesh })).size, 0);
});

test('a removed VirtualService counts as a VirtualService change; a removed DestinationRule as its own', () => {
  const withoutVs = new Snapshot({
    ...base,
    configs: base.configs.filter((r) => r.kind !== 'VirtualService'),
  });
  assert.deepEqual([...changedKinds(base, withoutVs)], ['VirtualService']);
  const withoutDr = new Snapshot({
    ...base,
    configs: base.configs.filter((r) => r.kind !== 'DestinationRule'),
  });
  assert.equal(unaffectedTypes(base, withoutDr).size, 0);
});

test('a merged push skips only the types every part skips', () => {
  const req = (unaffected?: string[]): PushRequest => ({
    full: false,
    hosts: new Set(),
    reasons: [],
    start: 0,
    ...(unaffected ? { unaffectedTypes: new Set(unaffected) } : {}),
  });
  const both = mergePush(
    mergePush(undefined, req([TYPE_URLS.cluster, TYPE_URLS.endpoint])),
    req([TYPE_URLS.cluster]),
  );
  assert.deepEqual([...(both.unaffectedTypes ?? [])], [TYPE_URLS.cluster]);
  const withUnknown = mergePush(mergePush(undefined, req([TYPE_URLS.cluster])), req());
  assert.equal(withUnknown.unaffectedTypes, undefined);
});
