// Client-side TLS of outbound clusters, as Istio decides it: auto mTLS through transport_socket_matches when
// the DestinationRule sets no tls, plain text when the destination namespace is DISABLE, for mesh-external
// hosts or with enableAutoMtls off; DestinationRule modes DISABLE / SIMPLE / MUTUAL / ISTIO_MUTUAL; the
// expected SPIFFE IDs from the service accounts; SNI and ALPN; endpoint metadata for meshed instances.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { snapshotFromYaml } from '../../../../test/simulation/registry-yaml.js';
import type { Cluster } from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import type { TransportSocket } from '../../../generated/envoy/config/core/v3/base_pb.js';
import { SubjectAltNameMatcher_SanType } from '../../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import {
  type UpstreamTlsContext,
  UpstreamTlsContextSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { proxyFromNode } from '../../model/proxy.js';
import { TranslateContext } from '../context.js';
import { loadAssignment } from '../endpoint/eds.js';
import { clustersFor } from './index.js';

const SERVICES = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }, { name: grpc-api, port: 9090 }] }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1, namespace: shop }
spec: { address: 10.0.0.1, labels: { app: reviews, version: v1 }, serviceAccount: reviews }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v2, namespace: shop }
spec: { address: 10.0.0.2, labels: { app: reviews, version: v2 }, serviceAccount: reviews-v2 }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-legacy, namespace: shop }
spec: { address: 10.0.0.3, labels: { app: reviews, version: legacy, security.istio.io/tlsMode: disabled } }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: external, namespace: shop }
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{ number: 443, name: https, protocol: HTTPS }]
`;

const CLIENT = proxyFromNode('sidecar~10.0.9.9~client.shop~shop.svc.cluster.local', {
  LABELS: { app: 'client' },
});

function clusters(extra = '', mesh = {}) {
  const snap = snapshotFromYaml(`${SERVICES}\n---\n${extra}`, { meshMtls: true, ...mesh });
  const ctx = new TranslateContext(snap, CLIENT);
  return { ctx, byName: new Map(clustersFor(ctx).map((c) => [c.name, c])) };
}

const REVIEWS = (port: number, subset = '') => `outbound|${port}|${subset}|reviews.shop.svc.cluster.local`;

function tlsOf(t: TransportSocket | undefined): UpstreamTlsContext | undefined {
  if (t?.configType.case !== 'typedConfig') return undefined;
  return anyUnpack(t.configType.value, UpstreamTlsContextSchema);
}

function sansOf(ctx: UpstreamTlsContext | undefined): string[] {
  const v = ctx?.commonTlsContext?.validationContextType;
  if (v?.case !== 'combinedValidationContext') return [];
  return (v.value.defaultValidationContext?.matchTypedSubjectAltNames ?? []).map((m) =>
    m.matcher?.matchPattern.case === 'exact'
      ? `${SubjectAltNameMatcher_SanType[m.sanType]}:${m.matcher.matchPattern.value}`
      : '?',
  );
}

function mode(c: Cluster): string {
  if (c.transportSocketMatches.length > 0)
    return `auto(${c.transportSocketMatches.map((m) => m.name).join(',')})`;
  if (!c.transportSocket) return 'plaintext';
  return tlsOf(c.transportSocket)?.commonTlsContext?.tlsCertificateSdsSecretConfigs[0]?.name === 'default'
    ? 'istio-mutual'
    : 'user-tls';
}

test('no DestinationRule tls: auto mTLS matches tlsMode=istio, with the SPIFFE IDs, SNI and ALPN of Istio', () => {
  const { byName } = clusters();
  const c = byName.get(REVIEWS(9080))!;
  assert.equal(mode(c), 'auto(tlsMode-istio,tlsMode-disabled)');
  const [istio, plain] = c.transportSocketMatches;
  assert.deepEqual(istio.match, { tlsMode: 'istio' });
  assert.deepEqual(plain.match, {});
  assert.equal(plain.transportSocket?.name, 'envoy.transport_sockets.raw_buffer');
  const ctx = tlsOf(istio.transportSocket);
  assert.deepEqual(sansOf(ctx), [
    'URI:spiffe://cluster.local/ns/shop/sa/reviews',
    'URI:spiffe://cluster.local/ns/shop/sa/reviews-v2',
  ]);
  assert.equal(ctx?.sni, 'outbound_.9080_._.reviews.shop.svc.cluster.local');
  assert.deepEqual(ctx?.commonTlsContext?.alpnProtocols, ['istio-peer-exchange', 'istio']);
  const grpc = tlsOf(byName.get(REVIEWS(9090))!.transportSocketMatches[0].transportSocket);
  assert.deepEqual(grpc?.commonTlsContext?.alpnProtocols, ['istio-peer-exchange', 'istio', 'h2']);
});

test('the trust domain of the mesh names the identities', () => {
  const { byName } = clusters('', { trustDomain: 'example.org' });
  const ctx = tlsOf(byName.get(REVIEWS(9080))!.transportSocketMatches[0].transportSocket);
  assert.equal(sansOf(ctx)[0], 'URI:spiffe://example.org/ns/shop/sa/reviews');
});

test('endpoints with a sidecar carry the tlsMode metadata; the others none', () => {
  const { ctx } = clusters();
  const cla = loadAssignment(ctx, REVIEWS(9080))!;
  const marks = cla.endpoints
    .flatMap((l) => l.lbEndpoints)
    .map((e) => {
      const a = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value.address : undefined;
      const ip = a?.address.case === 'socketAddress' ? a.address.value.address : '';
      return [ip, e.metadata?.filterMetadata['envoy.transport_socket_match'] ?? null];
    })
    .sort();
  assert.deepEqual(marks, [
    ['10.0.0.1', { tlsMode: 'istio' }],
    ['10.0.0.2', { tlsMode: 'istio' }],
    ['10.0.0.3', null],
  ]);
});

test('plain text: destination namespace or mesh DISABLE, enableAutoMtls off, mesh-external hosts', () => {
  const nsDisable = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: shop }
spec: { mtls: { mode: DISABLE } }`;
  assert.equal(mode(clusters(nsDisable).byName.get(REVIEWS(9080))!), 'plaintext');
  const meshDisable = nsDisable.replace('namespace: shop', 'namespace: istio-system');
  assert.equal(mode(clusters(meshDisable).byName.get(REVIEWS(9080))!), 'plaintext');
  // A workload-level DISABLE is not visible to clients (as in Istio): they still try mTLS.
  const workloadDisable = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: wl, namespace: shop }
spec: { selector: { matchLabels: { app: reviews } }, mtls: { mode: DISABLE } }`;
  assert.match(mode(clusters(workloadDisable).byName.get(REVIEWS(9080))!), /^auto/);
  assert.equal(mode(clusters('', { enableAutoMtls: false }).byName.get(REVIEWS(9080))!), 'plaintext');
  assert.equal(mode(clusters('', { meshMtls: false }).byName.get(REVIEWS(9080))!), 'plaintext');
  assert.equal(mode(clusters().byName.get('outbound|443||api.example.com')!), 'plaintext');
});

test('DestinationRule tls modes: DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL (directly, even in a DISABLE namespace)', () => {
  const dr = (tls: string, subsets = '') => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  trafficPolicy: { tls: ${tls} }
  ${subsets}`;
  assert.equal(mode(clusters(dr('{ mode: DISABLE }')).byName.get(REVIEWS(9080))!), 'plaintext');
  const simple = clusters(
    dr('{ mode: SIMPLE, caCertificates: /etc/ca.pem, subjectAltNames: [reviews.example.com] }'),
  );
  const s = tlsOf(simple.byName.get(REVIEWS(9080))!.transportSocket);
  assert.equal(mode(simple.byName.get(REVIEWS(9080))!), 'user-tls');
  assert.equal(s?.sni, 'reviews.shop.svc.cluster.local');
  const v = s?.commonTlsContext?.validationContextType;
  // The CA file is Istio's SDS file resource (the proxy reads and watches it); the SANs sit beside it.
  assert.equal(v?.case, 'combinedValidationContext');
  assert.equal(v.value.validationContextSdsSecretConfig?.name, 'file-root:/etc/ca.pem');
  // User SANs go to the untyped matcher (any SAN type), as Istio writes them.
  assert.deepEqual(
    v.value.defaultValidationContext?.matchSubjectAltNames.map((m) => m.matchPattern.value),
    ['reviews.example.com'],
  );
  // No CA named: the system trust store, as Istio verifies (never an unverified connection).
  const systemCa = tlsOf(clusters(dr('{ mode: SIMPLE }')).byName.get(REVIEWS(9080))!.transportSocket);
  const sv = systemCa?.commonTlsContext?.validationContextType;
  assert.equal(
    sv?.case === 'validationContext' && sv.value.trustedCa?.specifier.case === 'filename'
      ? sv.value.trustedCa.specifier.value
      : '',
    '/etc/ssl/certs/ca-certificates.crt',
  );
  const skip = tlsOf(
    clusters(dr('{ mode: SIMPLE, insecureSkipVerify: true }')).byName.get(REVIEWS(9080))!.transportSocket,
  );
  assert.equal(
    skip?.commonTlsContext?.validationContextType.case,
    undefined,
    'insecureSkipVerify verifies nothing',
  );
  const mutual = clusters(
    dr('{ mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem, caCertificates: /ca.pem }'),
  );
  assert.deepEqual(
    tlsOf(
      mutual.byName.get(REVIEWS(9080))!.transportSocket,
    )?.commonTlsContext?.tlsCertificateSdsSecretConfigs.map((c) => c.name),
    ['file-cert:/c.pem~/k.pem'],
  );
  const nsDisable = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: shop }
spec: { mtls: { mode: DISABLE } }`;
  const istio = clusters(
    `${dr('{ mode: ISTIO_MUTUAL }', 'subsets: [{ name: v1, labels: { version: v1 } }]')}\n---\n${nsDisable}`,
  );
  const sub = istio.byName.get(REVIEWS(9080, 'v1'))!;
  assert.equal(mode(sub), 'istio-mutual');
  assert.equal(tlsOf(sub.transportSocket)?.sni, 'outbound_.9080_.v1_.reviews.shop.svc.cluster.local');
  const custom = clusters(dr('{ mode: ISTIO_MUTUAL, sni: my.sni, subjectAltNames: [spiffe://x/ns/y/sa/z] }'));
  const c = tlsOf(custom.byName.get(REVIEWS(9080))!.transportSocket);
  assert.equal(c?.sni, 'my.sni');
  assert.deepEqual(sansOf(c), ['URI:spiffe://x/ns/y/sa/z']);
});

test('a subset policy tls overrides the top level for its own cluster only', () => {
  const { byName } = clusters(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  subsets:
  - { name: v1, labels: { version: v1 }, trafficPolicy: { tls: { mode: DISABLE } } }
  - { name: v2, labels: { version: v2 } }`);
  assert.equal(mode(byName.get(REVIEWS(9080, 'v1'))!), 'plaintext');
  assert.match(mode(byName.get(REVIEWS(9080, 'v2'))!), /^auto/);
});

test('gateways get auto mTLS on their clusters too', () => {
  const snap = snapshotFromYaml(SERVICES, { meshMtls: true });
  const gw = proxyFromNode('router~10.0.9.8~gw.istio-system~istio-system.svc.cluster.local', {
    LABELS: { istio: 'ingressgateway' },
  });
  const c = clustersFor(new TranslateContext(snap, gw)).find((x) => x.name === REVIEWS(9080))!;
  assert.match(mode(c), /^auto/);
});
