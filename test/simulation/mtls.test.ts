// Mesh mTLS simulated end to end without sockets: YAML (a STRICT namespace PeerAuthentication, a meshed and a
// legacy workload) → snapshot → translate → wire → the proxy's decoders; then the proxy's own filter chain
// selection and per-host transport choice decide what a plain and a TLS connection, and each endpoint, get.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { translateAll } from '../../src/controlplane/translate/generators.js';
import { ClusterSchema } from '../../src/generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../src/generated/envoy/config/listener/v3/listener_pb.js';
import type { Cluster, ClusterLoadAssignment } from '../../src/proxy/config/cluster.js';
import type { Listener } from '../../src/proxy/config/listener.js';
import { selectFilterChain } from '../../src/proxy/listener/filter-chain-match.js';
import type { Host } from '../../src/proxy/upstream/lb/types.js';
import { TransportSockets } from '../../src/proxy/upstream/pool/transport-sockets.js';
import { decodeCluster } from '../../src/proxy/xds-client/decode-cluster.js';
import { decodeClusterLoadAssignment } from '../../src/proxy/xds-client/decode-endpoint.js';
import { decodeListener } from '../../src/proxy/xds-client/decode-listener.js';
import { decodeErrors } from './decode-all.js';
import { snapshotFromYaml } from './registry-yaml.js';

const MESH = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: shop }
spec: { mtls: { mode: STRICT } }
---
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1, namespace: shop }
spec: { address: 10.0.0.1, labels: { app: reviews, version: v1 }, serviceAccount: reviews }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-legacy, namespace: shop }
spec: { address: 10.0.0.2, labels: { app: reviews, version: legacy } }
---
apiVersion: v1
kind: Service
metadata: { name: productpage, namespace: shop }
spec: { selector: { app: productpage }, ports: [{ name: http, port: 9080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: productpage-v1, namespace: shop }
spec: { address: 10.0.0.9, labels: { app: productpage }, serviceAccount: productpage }
`;

const snapshot = snapshotFromYaml(MESH, { meshMtls: true });
const reviewsProxy = proxyFromNode('sidecar~10.0.0.1~reviews-v1.shop~shop.svc.cluster.local', {
  LABELS: { app: 'reviews', version: 'v1' },
});
const productpage = proxyFromNode('sidecar~10.0.0.9~productpage-v1.shop~shop.svc.cluster.local', {
  LABELS: { app: 'productpage' },
});
const noFiles = { readFile: () => '' };

function decodedInbound(): Listener {
  const l = translateAll(new TranslateContext(snapshot, reviewsProxy)).listeners.find(
    (x) => x.name === 'virtualInbound',
  )!;
  const r = decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, l)), noFiles);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.value;
}

test('every resource of both sidecars decodes cleanly with mTLS on', () => {
  assert.deepEqual(decodeErrors(snapshot, reviewsProxy), []);
  assert.deepEqual(decodeErrors(snapshot, productpage), []);
});

test('STRICT server: only an mTLS chain requiring client certificates; plain text matches no chain', () => {
  const l = decodedInbound();
  assert.ok(l.listenerFilters.some((f) => f.includes('tls_inspector')));
  assert.equal(l.filterChains.length, 1);
  const chain = l.filterChains[0];
  assert.equal(chain.match.transportProtocol, 'tls');
  assert.equal(chain.tls?.requireClientCertificate, true);
  assert.deepEqual(chain.tls?.common.certificates, [{ kind: 'sds', name: 'default' }]);
  assert.equal(chain.tls?.common.validation?.kind === 'sds' && chain.tls.common.validation.name, 'ROOTCA');
  const candidates = l.filterChains.map((c) => ({ match: c.match, value: c.name }));
  const facts = (transportProtocol: string) => ({
    destinationPort: 9080,
    destinationIp: '10.0.0.1',
    sourceIp: '10.0.0.9',
    serverName: '',
    transportProtocol,
    applicationProtocols: transportProtocol === 'tls' ? ['istio-peer-exchange', 'istio'] : [],
  });
  assert.equal(selectFilterChain(candidates, facts('raw_buffer')), undefined, 'plain text is refused');
  assert.equal(selectFilterChain(candidates, facts('tls')), chain.name);
});

test('client: mTLS to the meshed endpoint with the SPIFFE ID of its service account, plain text to the legacy one', () => {
  const all = translateAll(new TranslateContext(snapshot, productpage));
  const name = 'outbound|9080||reviews.shop.svc.cluster.local';
  const c = all.clusters.find((x) => x.name === name)!;
  const decoded = decodeCluster(fromBinary(ClusterSchema, toBinary(ClusterSchema, c)), noFiles);
  assert.ok(decoded.ok);
  const cluster: Cluster = decoded.value;
  const cla = all.endpoints.find((e) => e.clusterName === name)!;
  const eds = decodeClusterLoadAssignment(
    fromBinary(ClusterLoadAssignmentSchema, toBinary(ClusterLoadAssignmentSchema, cla)),
  );
  assert.ok(eds.ok);
  const assignment: ClusterLoadAssignment = eds.value;
  const transports = new TransportSockets(cluster, () => undefined);
  const choice = assignment.localities
    .flatMap((l) => l.endpoints)
    .map((e) => {
      const host: Host = {
        key: `${e.address.host}:${e.address.port}`,
        address: e.address,
        weight: e.weight,
        priority: 0,
        locality: { region: '', zone: '', subZone: '' },
        metadata: e.metadata,
        healthy: true,
        activeRequests: 0,
      };
      const tls = transports.contextFor(host);
      const sans = tls?.common.validation?.matchSubjectAltNames.map((m) => `${m.sanType}:${m.value}`) ?? [];
      return [e.address.host, tls ? `mtls ${tls.sni} ${sans.join(',')}` : 'plain'];
    })
    .sort();
  assert.deepEqual(choice, [
    [
      '10.0.0.1',
      'mtls outbound_.9080_._.reviews.shop.svc.cluster.local URI:spiffe://cluster.local/ns/shop/sa/reviews',
    ],
    ['10.0.0.2', 'plain'],
  ]);
});

test('a DISABLE namespace: clients send plain text and the server has only a plain chain', () => {
  const disabled = snapshotFromYaml(MESH.replace('mode: STRICT', 'mode: DISABLE'), { meshMtls: true });
  const all = translateAll(new TranslateContext(disabled, productpage));
  const c = all.clusters.find((x) => x.name === 'outbound|9080||reviews.shop.svc.cluster.local')!;
  assert.equal(c.transportSocketMatches.length, 0);
  assert.equal(c.transportSocket, undefined);
  const inbound = translateAll(new TranslateContext(disabled, reviewsProxy)).listeners.find(
    (x) => x.name === 'virtualInbound',
  )!;
  assert.deepEqual(
    inbound.filterChains.map((f) => [
      f.filterChainMatch?.transportProtocol ?? '',
      f.transportSocket === undefined,
    ]),
    [['', true]],
  );
});
