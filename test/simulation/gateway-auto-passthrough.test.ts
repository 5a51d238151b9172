// Simulation: an AUTO_PASSTHROUGH Gateway server (east-west gateway) → one chain per service port and
// DestinationRule subset its hosts cover, matching SNI `outbound_.<port>_.<subset>_.<host>` and Istio's mTLS
// ALPNs, TCP-proxied to the SNI-DNAT cluster of that name: the outbound cluster's endpoints, no TLS of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import { clustersFor } from '../../src/controlplane/translate/cluster/index.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { listenersFor } from '../../src/controlplane/translate/listener/index.js';
import { ClusterSchema } from '../../src/generated/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../src/generated/envoy/config/listener/v3/listener_pb.js';
import { decodeCluster } from '../../src/proxy/xds-client/decode-cluster.js';
import { decodeListener } from '../../src/proxy/xds-client/decode-listener.js';
import { snapshotFromYaml } from './registry-yaml.js';

const YAML = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: default }
spec:
  selector: { app: reviews }
  ports: [{ name: http, port: 9080 }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ext, namespace: default }
spec:
  hosts: [api.external.example]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{ number: 443, name: tls, protocol: TLS }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: default }
spec:
  host: reviews
  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
  subsets: [{ name: v1, labels: { version: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: cross-network, namespace: istio-system }
spec:
  selector: { istio: eastwestgateway }
  servers:
  - port: { number: 15443, name: tls, protocol: TLS }
    hosts: ["*.local"]
    tls: { mode: AUTO_PASSTHROUGH }
`;

const eastwest = () =>
  proxyFromNode('router~10.0.9.9~eastwest-1.istio-system~istio-system.svc.cluster.local', {
    LABELS: { istio: 'eastwestgateway' },
  });

test('an AUTO_PASSTHROUGH server gets one SNI chain per covered service port and subset, TCP to SNI-DNAT', () => {
  const ctx = new TranslateContext(snapshotFromYaml(YAML), eastwest());
  const l = listenersFor(ctx).find((x) => x.name === '0.0.0.0_15443');
  assert.ok(l, 'the server port has a listener');
  const decoded = decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, l)));
  assert.ok(decoded.ok, JSON.stringify(!decoded.ok && decoded.errors));
  const chains = decoded.value.filterChains;
  assert.deepEqual(
    chains.map((c) => c.match.serverNames),
    [
      ['outbound_.9080_._.reviews.default.svc.cluster.local'],
      ['outbound_.9080_.v1_.reviews.default.svc.cluster.local'],
    ],
    'the external ServiceEntry is not reachable this way',
  );
  for (const c of chains) {
    assert.equal(c.tls, undefined, 'TLS passes through');
    assert.equal(c.match.transportProtocol, 'tls');
    assert.ok(c.match.applicationProtocols.includes('istio-peer-exchange'));
    assert.deepEqual(c.filter.kind === 'tcp' && c.filter.target, {
      kind: 'cluster',
      name: c.match.serverNames[0],
    });
  }
  assert.ok(decoded.value.listenerFilters.includes('envoy.filters.listener.tls_inspector'));
});

test('SNI-DNAT clusters: the outbound endpoints (EDS name outbound|…), no TLS origination; sidecars get none', () => {
  const ctx = new TranslateContext(snapshotFromYaml(YAML), eastwest());
  const clusters = clustersFor(ctx);
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const outbound = byName.get('outbound|9080|v1|reviews.default.svc.cluster.local');
  assert.ok(outbound?.transportSocket || outbound?.transportSocketMatches.length, 'outbound originates mTLS');
  for (const [subset, eds] of [
    ['', 'outbound|9080||reviews.default.svc.cluster.local'],
    ['v1', 'outbound|9080|v1|reviews.default.svc.cluster.local'],
  ]) {
    const c = byName.get(`outbound_.9080_.${subset}_.reviews.default.svc.cluster.local`);
    assert.ok(c, `SNI-DNAT cluster for subset "${subset}"`);
    assert.equal(c.transportSocket, undefined);
    assert.deepEqual(c.transportSocketMatches, []);
    assert.equal(c.edsClusterConfig?.serviceName, eds);
    const d = decodeCluster(fromBinary(ClusterSchema, toBinary(ClusterSchema, c)));
    assert.ok(d.ok, JSON.stringify(!d.ok && d.errors));
  }
  assert.equal(byName.has('outbound_.443_._.api.external.example'), false);
  const sidecar = proxyFromNode('sidecar~10.0.0.5~web-1.default~default.svc.cluster.local', {});
  assert.equal(
    clustersFor(new TranslateContext(snapshotFromYaml(YAML), sidecar)).some((c) =>
      c.name.startsWith('outbound_.'),
    ),
    false,
  );
});
