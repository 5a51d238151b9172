// Kind keys: version-independent, group-aware, with the spellings `trellis get` users type.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyOf, kindKey, namespaceOf, normalizeKind } from './kinds.js';

describe('kind keys', () => {
  it('ignore the version and keep the group', () => {
    assert.equal(
      kindKey('networking.istio.io/v1beta1', 'VirtualService'),
      'networking.istio.io/VirtualService',
    );
    assert.equal(kindKey('networking.istio.io/v1', 'VirtualService'), 'networking.istio.io/VirtualService');
    assert.equal(kindKey('v1', 'Service'), 'Service');
    assert.notEqual(
      kindKey('networking.istio.io/v1', 'Gateway'),
      kindKey('gateway.networking.k8s.io/v1', 'Gateway'),
    );
  });

  it('normalise bare, lower-case, plural and short names; qualified names pass through', () => {
    for (const name of ['VirtualService', 'virtualservice', 'virtualservices', 'vs']) {
      assert.equal(normalizeKind(name), 'networking.istio.io/VirtualService');
    }
    assert.equal(normalizeKind('Gateway'), 'networking.istio.io/Gateway');
    assert.equal(normalizeKind('gateway.networking.k8s.io/Gateway'), 'gateway.networking.k8s.io/Gateway');
    assert.equal(normalizeKind('svc'), 'Service');
    assert.equal(normalizeKind('ap'), 'security.istio.io/AuthorizationPolicy');
  });

  it('default the namespace, and drop it for cluster-scoped kinds', () => {
    const meta = { name: 'x', namespace: '', labels: {}, annotations: {} };
    assert.equal(
      namespaceOf({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta }),
      'default',
    );
    assert.equal(
      namespaceOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { ...meta, namespace: 'x' } }),
      '',
    );
    assert.deepEqual(keyOf({ apiVersion: 'v1', kind: 'Service', metadata: { ...meta, namespace: 'prod' } }), {
      kind: 'Service',
      namespace: 'prod',
      name: 'x',
    });
  });
});
