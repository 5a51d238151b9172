// PeerAuthentication precedence, as Istio resolves it: workload > namespace > mesh (root namespace), UNSET
// inherits from the parent scope, portLevelMtls overrides one port, PERMISSIVE without any policy; the oldest
// policy wins inside a scope; clients see only namespace and mesh policies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotFromYaml } from '../../../../test/simulation/registry-yaml.js';
import { effectiveMtls, namespaceMtlsMode, portMode } from './peer-authn.js';

function pa(name: string, ns: string, body: string): string {
  return `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: ${name}, namespace: ${ns} }
spec: ${body}`;
}

const APP = { app: 'reviews', version: 'v1' };

function resolve(docs: string[], rootNamespace?: string) {
  const snap = snapshotFromYaml(docs.join('\n---\n'), rootNamespace ? { rootNamespace } : {});
  const m = effectiveMtls(snap, 'shop', APP);
  return {
    mode: m.mode,
    p8080: portMode(m, 8080),
    p9090: portMode(m, 9090),
    ns: namespaceMtlsMode(snap, 'shop'),
  };
}

const mesh = (mode: string) => pa('mesh', 'istio-system', `{ mtls: { mode: ${mode} } }`);
const namespace = (mode: string) => pa('ns', 'shop', `{ mtls: { mode: ${mode} } }`);
const workload = (mode: string, ports = '') =>
  pa('wl', 'shop', `{ selector: { matchLabels: { app: reviews } }, mtls: { mode: ${mode} }${ports} }`);

test('precedence table: mesh, namespace, workload, port; UNSET inherits', () => {
  const cases: [string, string[], [string, string, string, string]][] = [
    ['no policy: PERMISSIVE', [], ['PERMISSIVE', 'PERMISSIVE', 'PERMISSIVE', 'PERMISSIVE']],
    ['mesh STRICT', [mesh('STRICT')], ['STRICT', 'STRICT', 'STRICT', 'STRICT']],
    ['mesh UNSET is PERMISSIVE', [mesh('UNSET')], ['PERMISSIVE', 'PERMISSIVE', 'PERMISSIVE', 'PERMISSIVE']],
    [
      'namespace beats mesh',
      [mesh('STRICT'), namespace('DISABLE')],
      ['DISABLE', 'DISABLE', 'DISABLE', 'DISABLE'],
    ],
    [
      'namespace UNSET inherits mesh',
      [mesh('STRICT'), namespace('UNSET')],
      ['STRICT', 'STRICT', 'STRICT', 'STRICT'],
    ],
    [
      'workload beats namespace',
      [namespace('STRICT'), workload('PERMISSIVE')],
      ['PERMISSIVE', 'PERMISSIVE', 'PERMISSIVE', 'STRICT'],
    ],
    [
      'workload UNSET inherits namespace',
      [namespace('STRICT'), workload('UNSET')],
      ['STRICT', 'STRICT', 'STRICT', 'STRICT'],
    ],
    [
      'port level overrides one port',
      [mesh('STRICT'), workload('UNSET', ', portLevelMtls: { 8080: { mode: DISABLE } }')],
      ['STRICT', 'DISABLE', 'STRICT', 'STRICT'],
    ],
    [
      'port level UNSET inherits the workload mode',
      [mesh('DISABLE'), workload('STRICT', ', portLevelMtls: { 8080: { mode: UNSET } }')],
      ['STRICT', 'STRICT', 'STRICT', 'DISABLE'],
    ],
  ];
  for (const [name, docs, [mode, p8080, p9090, ns]] of cases) {
    assert.deepEqual(resolve(docs), { mode, p8080, p9090, ns }, name);
  }
});

test('a workload policy must select the workload; selectors in the root namespace are ignored', () => {
  const other = pa(
    'other',
    'shop',
    '{ selector: { matchLabels: { app: ratings } }, mtls: { mode: STRICT } }',
  );
  assert.equal(resolve([other]).mode, 'PERMISSIVE');
  const rootSelector = pa(
    'root-wl',
    'istio-system',
    '{ selector: { matchLabels: { app: reviews } }, mtls: { mode: STRICT } }',
  );
  assert.equal(resolve([rootSelector]).mode, 'PERMISSIVE');
});

test('the root namespace comes from the mesh settings', () => {
  const custom = pa('mesh', 'mesh-root', '{ mtls: { mode: STRICT } }');
  assert.equal(resolve([custom]).mode, 'PERMISSIVE', 'not the root namespace by default');
  assert.equal(resolve([custom], 'mesh-root').mode, 'STRICT');
});

test('inside one scope the oldest policy wins (creationTimestamp), else name order', () => {
  const older = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: z-old, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z" }
spec: { mtls: { mode: DISABLE } }`;
  const newer = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: a-new, namespace: shop, creationTimestamp: "2025-01-01T00:00:00Z" }
spec: { mtls: { mode: STRICT } }`;
  assert.equal(resolve([newer, older]).mode, 'DISABLE');
  assert.equal(
    resolve([pa('b', 'shop', '{ mtls: { mode: STRICT } }'), pa('a', 'shop', '{ mtls: { mode: DISABLE } }')])
      .mode,
    'DISABLE',
  );
});
