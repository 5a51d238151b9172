// Simulation: BookInfo reviews with subsets and a weighted VirtualService, seen from productpage's sidecar.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import { BOOKINFO } from './fixtures.js';
import { snapshotFromYaml } from './registry-yaml.js';
import { Simulation } from './simulate.js';

const productpage = () =>
  proxyFromNode('sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local', {
    LABELS: { app: 'productpage', version: 'v1' },
    TRELLIS_OUTBOUND_PORT: 15001,
  });

test('a 90/10 VirtualService splits reviews between subsets v1 and v2', () => {
  const sim = new Simulation(snapshotFromYaml(BOOKINFO), productpage());
  const low = sim.call({ host: 'reviews', port: 9080, random: 0.5 });
  assert.deepEqual(low.weighted, [
    { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 90 },
    { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 10 },
  ]);
  assert.equal(low.cluster, 'outbound|9080|v1|reviews.default.svc.cluster.local');
  assert.deepEqual(low.endpoints, ['10.0.0.1:9080']);
  const high = sim.call({ host: 'reviews.default.svc.cluster.local:9080', port: 9080, random: 0.95 });
  assert.equal(high.cluster, 'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.deepEqual(high.endpoints, ['10.0.0.2:9080']);
});

test('the HTTP-proxy route config selects the service by the port in Host', () => {
  const sim = new Simulation(snapshotFromYaml(BOOKINFO), productpage());
  const r = sim.call({ host: 'productpage', port: 9080, via: 'http_proxy' });
  assert.equal(r.routeConfig, 'http_proxy');
  assert.equal(r.cluster, 'outbound|9080||productpage.default.svc.cluster.local');
  const vip = sim.call({ host: '10.96.0.20', port: 9080, via: 'http_proxy' });
  assert.equal(vip.virtualHost, 'reviews.default.svc.cluster.local:9080');
  const wrongPort = sim.call({ host: 'reviews', port: 9081, via: 'http_proxy' });
  assert.equal(wrongPort.virtualHost, 'allow_any');
});

test("every generated resource decodes cleanly with the proxy's decoders", async () => {
  const { decodeErrors } = await import('./decode-all.js');
  const proxy = proxyFromNode('sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local', {
    LABELS: { app: 'productpage', version: 'v1' },
    TRELLIS_OUTBOUND_PORT: 15001,
    TRELLIS_INBOUND_PORT: 15006,
  });
  assert.deepEqual(decodeErrors(snapshotFromYaml(BOOKINFO), proxy), []);
});
