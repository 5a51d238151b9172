// mTLS for proxyless gRPC, as Istio's gRPC generator does it: a DestinationRule's ISTIO_MUTUAL gives the
// cluster a TLS transport socket naming the bootstrap's certificate provider and the destination's SPIFFE
// IDs (no auto mTLS); a server listener is mTLS under STRICT (or PERMISSIVE with the tlsMode label), else
// plain text, with port-level modes honoured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import {
  DownstreamTlsContextSchema,
  UpstreamTlsContextSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { proxyFromNode } from '../model/proxy.js';
import { TranslateContext } from '../translate/context.js';
import { grpcClusters } from './clusters.js';
import { grpcListeners } from './listeners.js';

const YAML = `
apiVersion: v1
kind: Service
metadata: { name: ratings, namespace: default }
spec: { selector: { app: ratings }, ports: [{ name: grpc, port: 9080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ratings-1, namespace: default }
spec: { address: 10.0.1.1, labels: { app: ratings }, serviceAccount: ratings-sa }
---
apiVersion: v1
kind: Service
metadata: { name: details, namespace: default }
spec: { selector: { app: details }, ports: [{ name: grpc, port: 9080 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: details-1, namespace: default }
spec: { address: 10.0.2.1, labels: { app: details }, serviceAccount: details-sa }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ratings, namespace: default }
spec:
  host: ratings.default.svc.cluster.local
  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
  subsets: [{ name: v1, labels: { app: ratings } }]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: secure }
spec: { mtls: { mode: STRICT } }
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: one-port, namespace: secure }
spec:
  selector: { matchLabels: { app: mixed } }
  mtls: { mode: STRICT }
  portLevelMtls: { "50052": { mode: DISABLE } }
`;
const snapshot = snapshotFromYaml(YAML);

function ctx(namespace: string, labels: Record<string, string> = {}) {
  const proxy = proxyFromNode(`sidecar~127.0.0.1~app.${namespace}~${namespace}.svc.cluster.local`, {
    GENERATOR: 'grpc',
    NAMESPACE: namespace,
    LABELS: labels,
  });
  return new TranslateContext(snapshot, proxy);
}

test('ISTIO_MUTUAL: certificate provider `default` for the certificate and ROOTCA, the SPIFFE IDs as SANs', () => {
  const clusters = grpcClusters(ctx('default'), [
    'outbound|9080||ratings.default.svc.cluster.local',
    'outbound|9080|v1|ratings.default.svc.cluster.local',
    'outbound|9080||details.default.svc.cluster.local',
  ]);
  assert.equal(clusters.length, 3);
  for (const c of clusters.slice(0, 2)) {
    const ts = c.transportSocket;
    assert.equal(ts?.name, 'envoy.transport_sockets.tls', c.name);
    assert.equal(ts.configType.case, 'typedConfig');
    const tls = anyUnpack(ts.configType.value, UpstreamTlsContextSchema);
    const common = tls?.commonTlsContext;
    assert.equal(common?.tlsCertificateProviderInstance?.instanceName, 'default');
    assert.equal(common?.tlsCertificateProviderInstance?.certificateName, 'default');
    assert.equal(common?.validationContextType.case, 'validationContext');
    const vc = common.validationContextType.value;
    assert.equal(vc.caCertificateProviderInstance?.certificateName, 'ROOTCA');
    assert.deepEqual(
      vc.matchSubjectAltNames.map((m) => m.matchPattern.value),
      ['spiffe://cluster.local/ns/default/sa/ratings-sa'],
    );
  }
  // No DestinationRule tls: plain text, whatever the destination's own mode (no auto mTLS for gRPC).
  assert.equal(clusters[2].transportSocket, undefined);
});

function serverChain(namespace: string, port: number, labels: Record<string, string> = {}) {
  const [l] = grpcListeners(ctx(namespace, labels), [`xds.istio.io/grpc/lds/inbound/127.0.0.1:${port}`]);
  assert.ok(l, 'listener generated');
  assert.equal(l.filterChains.length, 1);
  return l.filterChains[0];
}

test('server listeners: STRICT requires a client certificate from the mesh roots; PERMISSIVE is plain text', () => {
  const strict = serverChain('secure', 50051);
  assert.equal(strict.name, 'inbound-mtls');
  assert.equal(strict.transportSocket?.configType.case, 'typedConfig');
  const tls = anyUnpack(strict.transportSocket.configType.value, DownstreamTlsContextSchema);
  assert.equal(tls?.requireClientCertificate, true);
  assert.equal(tls?.commonTlsContext?.tlsCertificateProviderInstance?.certificateName, 'default');
  const vc = tls?.commonTlsContext?.validationContextType;
  assert.equal(vc?.case, 'validationContext');
  assert.equal(vc.value.caCertificateProviderInstance?.certificateName, 'ROOTCA');

  const permissive = serverChain('default', 50051);
  assert.equal(permissive.name, 'inbound-plaintext');
  assert.equal(permissive.transportSocket, undefined);
});

test('PERMISSIVE with security.istio.io/tlsMode=istio serves mTLS; a port-level DISABLE serves plain text', () => {
  assert.equal(serverChain('default', 50051, { 'security.istio.io/tlsMode': 'istio' }).name, 'inbound-mtls');
  assert.equal(serverChain('secure', 50051, { app: 'mixed' }).name, 'inbound-mtls');
  assert.equal(serverChain('secure', 50052, { app: 'mixed' }).name, 'inbound-plaintext');
});
