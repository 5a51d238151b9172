// The Proxy model from an Envoy node: Istio's id format and metadata, Trellis's local-mode keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyFromNode, proxyId } from './proxy.js';

test("Istio's node id gives type, IP, name and namespace; metadata overrides", () => {
  const p = proxyFromNode(proxyId('sidecar', '10.0.0.9', 'productpage-v1-abc', 'shop'), {
    LABELS: { app: 'productpage' },
    SERVICE_ACCOUNT: 'pp',
  });
  assert.equal(p.type, 'sidecar');
  assert.deepEqual(p.ips, ['10.0.0.9']);
  assert.equal(p.name, 'productpage-v1-abc');
  assert.equal(p.namespace, 'shop');
  assert.deepEqual(p.labels, { app: 'productpage' });
  assert.equal(p.serviceAccount, 'pp');
  assert.equal(p.outbound, undefined);
  const gw = proxyFromNode(
    'router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local',
    {},
    { region: 'r', zone: 'z' },
  );
  assert.equal(gw.type, 'router');
  assert.equal(gw.locality, 'r/z');
});

test('local-mode keys: listener ports and app ports, as numbers, strings or JSON text', () => {
  const p = proxyFromNode('sidecar~127.0.0.1~r.default~default.svc.cluster.local', {
    TRELLIS_OUTBOUND_PORT: '15001',
    TRELLIS_INBOUND_PORT: 15006,
    TRELLIS_APP_PORTS: '{"9080": 19080}',
    LABELS: '{"app":"reviews"}',
  });
  assert.deepEqual(p.outbound, { address: '127.0.0.1', port: 15001 });
  assert.deepEqual(p.inbound, { address: '127.0.0.1', port: 15006 });
  assert.deepEqual(p.appPorts, { 9080: 19080 });
  assert.deepEqual(p.labels, { app: 'reviews' });
  assert.deepEqual(
    proxyFromNode('sidecar~127.0.0.1~r.default~default.svc.cluster.local', { TRELLIS_APP_PORTS: { 9080: 1 } })
      .appPorts,
    { 9080: 1 },
  );
});
