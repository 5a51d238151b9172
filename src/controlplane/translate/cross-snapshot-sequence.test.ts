// A sequence of snapshots, each one edit away from the last, translated in one process so cross-snapshot
// caches carry over: every proxy's clusters, listeners, route configs and endpoints must be the bytes a
// translation from scratch gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sidecar } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import { generatedMesh } from '../../../test/simulation/scale.js';
import type { MeshSettings } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';
import type { Snapshot } from '../model/snapshot.js';
import { clearAcrossSnapshots, withoutAcrossSnapshots } from './cache.js';
import { clustersFor } from './cluster/index.js';
import { TranslateContext } from './context.js';
import { edsNames, GENERATORS, rdsNames, TYPE_URLS } from './generators.js';
import { listenersFor } from './listener/index.js';

const PROXIES = [
  sidecar('client-0', 'ns-0', { app: 'client' }, '10.250.0.1'),
  sidecar('client-1', 'ns-0', { app: 'client', version: 'v2' }, '10.250.0.2'),
  sidecar('client-2', 'ns-1', { app: 'client' }, '10.250.0.3'),
];

/** Every resource of every type a proxy following all references receives, as hex. */
function translate(snapshot: Snapshot, proxy: MeshProxy): string {
  const ctx = new TranslateContext(snapshot, proxy);
  const types: [string, string[] | undefined][] = [
    [TYPE_URLS.cluster, undefined],
    [TYPE_URLS.listener, undefined],
    [TYPE_URLS.route, rdsNames(listenersFor(ctx))],
    [TYPE_URLS.endpoint, edsNames(clustersFor(ctx))],
  ];
  return types
    .flatMap(([type, names]) => GENERATORS[type](ctx, names))
    .map((r) => `${r.name}=${Buffer.from(r.resource.value).toString('hex')}`)
    .join('\n');
}

const MESH = generatedMesh(6);
const edit = (from: string, to: string) => {
  assert.ok(MESH.includes(from), from);
  return MESH.replace(from, to);
};

const STEPS: { name: string; yaml: string; mesh?: Partial<MeshSettings> }[] = [
  { name: 'base', yaml: MESH },
  { name: 'header match', yaml: edit('x-canary: { exact: "1" }', 'x-canary: { exact: "2" }') },
  { name: 'base again', yaml: MESH },
  {
    name: 'subset labels',
    yaml: edit('{ name: v1, labels: { version: v1 } }', '{ name: v1, labels: { version: v2 } }'),
  },
  { name: 'service port', yaml: edit('{ name: grpc, port: 9090 }', '{ name: grpc, port: 9091 }') },
  { name: 'workload address', yaml: edit('address: 10.1.0.1,', 'address: 10.1.0.99,') },
  {
    name: 'VirtualService exportTo',
    yaml: edit(
      'metadata: { name: svc-1, namespace: ns-1 }\nspec:\n  hosts:',
      'metadata: { name: svc-1, namespace: ns-1 }\nspec:\n  exportTo: ["."]\n  hosts:',
    ),
  },
  { name: 'mesh domain', yaml: MESH, mesh: { domain: 'corp.internal' } },
  { name: 'registry only', yaml: MESH, mesh: { outboundTrafficPolicy: 'REGISTRY_ONLY' } },
  {
    name: 'source labels',
    yaml: edit(
      '- match: [{ headers: { x-canary: { exact: "1" } } }]',
      '- match: [{ sourceLabels: { version: v2 } }]',
    ),
  },
  {
    name: 'consistent hash',
    yaml: edit(
      'trafficPolicy: { connectionPool',
      'trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: x-user } }, connectionPool',
    ),
  },
  { name: 'base once more', yaml: MESH },
];

test('a sequence of edits translated with warm cross-snapshot caches gives the from-scratch bytes', () => {
  clearAcrossSnapshots();
  let previous: string[] | undefined;
  for (const step of STEPS) {
    const snapshot = snapshotFromYaml(step.yaml, step.mesh);
    const cached = PROXIES.map((proxy) => translate(snapshot, proxy));
    for (let i = 0; i < PROXIES.length; i++) {
      // From scratch: the proxy alone, on a snapshot of its own, with nothing cached across snapshots.
      const scratch = withoutAcrossSnapshots(() =>
        translate(snapshotFromYaml(step.yaml, step.mesh), PROXIES[i]),
      );
      assert.equal(cached[i], scratch, `${step.name}, ${PROXIES[i].id}`);
    }
    if (previous) assert.notDeepEqual(cached, previous, `${step.name} must change some proxy's config`);
    // The next step starts from the caches this one filled.
    previous = cached;
  }
});
