// Endpoint sets reused across snapshots: keyed by the content of the instances of the port and of the
// DestinationRule (subset labels), so a new snapshot with the same content reuses the packed assignment,
// and a changed workload or subset gives what a translation from scratch gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sidecar } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import type { Snapshot } from '../model/snapshot.js';
import { clearAcrossSnapshots, withoutAcrossSnapshots } from './cache.js';
import { TranslateContext } from './context.js';
import { GENERATORS, TYPE_URLS } from './generators.js';

const MESH = `apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { selector: { app: cart }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: pay, namespace: bank }
spec: { selector: { app: pay }, ports: [{ name: http, port: 8080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: cart-1, namespace: shop }
spec: { address: 10.1.0.1, labels: { app: cart, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: cart-2, namespace: shop }
spec: { address: 10.1.0.2, labels: { app: cart, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: pay-1, namespace: bank }
spec: { address: 10.2.0.1, labels: { app: pay } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: cart, namespace: shop }
spec:
  host: cart
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]`;

const NAMES = [
  'outbound|8080||cart.shop.svc.cluster.local',
  'outbound|8080|v1|cart.shop.svc.cluster.local',
  'outbound|8080|v2|cart.shop.svc.cluster.local',
  'outbound|8080||pay.bank.svc.cluster.local',
];

function endpoints(snapshot: Snapshot) {
  const ctx = new TranslateContext(snapshot, sidecar('client', 'shop', { app: 'client' }, '10.9.0.1'));
  const list = GENERATORS[TYPE_URLS.endpoint](ctx, NAMES);
  assert.deepEqual(
    list.map((r) => r.name),
    NAMES,
  );
  return list.map((r) => r.resource);
}

const hex = (anys: { value: Uint8Array }[]) => anys.map((a) => Buffer.from(a.value).toString('hex'));

function fromScratch(text: string) {
  return withoutAcrossSnapshots(() => hex(endpoints(snapshotFromYaml(text))));
}

test('endpoint sets: same content reuses the packed assignments; a changed instance or subset rebuilds only its own', () => {
  clearAcrossSnapshots();
  const base = endpoints(snapshotFromYaml(MESH));
  // Parsed again: new registry objects, same content.
  const again = endpoints(snapshotFromYaml(MESH));
  for (let i = 0; i < NAMES.length; i++) assert.equal(again[i], base[i], NAMES[i]);

  const movedText = MESH.replace('address: 10.2.0.1', 'address: 10.2.0.9');
  const moved = endpoints(snapshotFromYaml(movedText));
  assert.equal(moved[0], base[0], 'cart is unchanged');
  assert.notEqual(moved[3], base[3], 'pay moved');
  assert.deepEqual(hex(moved), fromScratch(movedText));

  clearAcrossSnapshots();
  endpoints(snapshotFromYaml(MESH));
  const subsetText = MESH.replace(
    '{ name: v1, labels: { version: v1 } }',
    '{ name: v1, labels: { version: v2 } }',
  );
  const subset = endpoints(snapshotFromYaml(subsetText));
  assert.notDeepEqual(hex(subset).slice(1, 2), hex(base).slice(1, 2), 'subset v1 now selects cart-2');
  assert.deepEqual(hex(subset), fromScratch(subsetText));
});
