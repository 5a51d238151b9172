// Config change scoping: which proxies a store event can affect.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../api/resource.js';
import type { ConfigEvent } from '../../config/store.js';
import { configChangeScope } from './scope.js';

const res = (
  kind: string,
  namespace: string,
  spec: unknown,
  apiVersion = 'networking.istio.io/v1',
): Resource => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace, labels: {}, annotations: {} },
  spec,
  source: { file: 'x.yaml', line: 1 },
});
const added = (r: Resource): ConfigEvent => ({
  type: 'added',
  key: { kind: r.kind, namespace: r.metadata.namespace, name: 'x' },
  resource: r,
  revision: 1,
});

test('a mesh VirtualService scopes to its hosts as FQDNs; a gateway-bound one also to routers', () => {
  const s = configChangeScope(
    added(res('VirtualService', 'default', { hosts: ['reviews', '*.example.com'] })),
    'cluster.local',
    'istio-system',
  );
  assert.deepEqual(s.hosts, ['reviews.default.svc.cluster.local', '*.example.com']);
  assert.equal(s.full, false);
  assert.equal(s.routers, false);
  const gw = configChangeScope(
    added(res('VirtualService', 'default', { hosts: ['a.example.com'], gateways: ['gw'] })),
    'cluster.local',
    'istio-system',
  );
  assert.equal(gw.routers, true);
});

test('an update counts the hosts of both versions', () => {
  const before = res('DestinationRule', 'default', { host: 'ratings' });
  const after = res('DestinationRule', 'default', { host: 'details' });
  const s = configChangeScope(
    {
      type: 'updated',
      key: { kind: 'DestinationRule', namespace: 'default', name: 'x' },
      resource: after,
      previous: before,
      revision: 2,
    },
    'cluster.local',
    'istio-system',
  );
  assert.deepEqual(s.hosts.sort(), [
    'details.default.svc.cluster.local',
    'ratings.default.svc.cluster.local',
  ]);
});

test('Sidecar: its namespace (root namespace: everyone); delegates and unknown kinds: everyone; registry kinds: none', () => {
  assert.deepEqual(
    configChangeScope(added(res('Sidecar', 'shop', {})), 'cluster.local', 'istio-system').namespaces,
    ['shop'],
  );
  assert.equal(
    configChangeScope(added(res('Sidecar', 'istio-system', {})), 'cluster.local', 'istio-system').full,
    true,
  );
  assert.equal(
    configChangeScope(added(res('VirtualService', 'default', { http: [] })), 'cluster.local', 'istio-system')
      .full,
    true,
  );
  assert.equal(
    configChangeScope(
      added(res('AuthorizationPolicy', 'default', {}, 'security.istio.io/v1')),
      'cluster.local',
      'istio-system',
    ).full,
    true,
  );
  assert.equal(
    configChangeScope(added(res('ServiceEntry', 'default', {})), 'cluster.local', 'istio-system').none,
    true,
  );
});

test('a Namespace change (its labels) pushes the routers and the proxies in that namespace', () => {
  const ns: Resource = {
    ...res('Namespace', '', {}, 'v1'),
    metadata: { name: 'shop', namespace: '', labels: { team: 'a' }, annotations: {} },
  };
  const s = configChangeScope(added(ns), 'cluster.local', 'istio-system');
  assert.deepEqual([s.routers, s.namespaces, s.full, s.none], [true, ['shop'], false, false]);
});

test('a Secret (a gateway credential) pushes the routers only, never every sidecar', () => {
  const s = configChangeScope(
    added(res('Secret', 'istio-system', {}, 'v1')),
    'cluster.local',
    'istio-system',
  );
  assert.deepEqual([s.routers, s.full, s.hosts, s.namespaces, s.none], [true, false, [], [], false]);
});
