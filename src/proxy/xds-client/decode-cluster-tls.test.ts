// Cluster transports: transport_socket_matches as Istio's auto mTLS writes them decode into per-endpoint
// transports (mTLS with SDS names and SPIFFE SANs, raw_buffer as plain text); what Trellis cannot honour is
// NACKed with its field path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { istioMutualTls, rawBufferTransportSocket } from '../../controlplane/translate/cluster/tls.js';
import { adsConfigSource } from '../../controlplane/translate/pb.js';
import {
  type Cluster,
  Cluster_DiscoveryType,
  Cluster_EdsClusterConfigSchema,
  Cluster_TransportSocketMatchSchema,
  ClusterSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { TransportSocketSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import { UpstreamTlsContextSchema } from '../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { decodeCluster } from './decode-cluster.js';

const SPIFFE = 'spiffe://cluster.local/ns/shop/sa/reviews';

function edsCluster(init: Pick<Partial<Cluster>, 'transportSocket' | 'transportSocketMatches'>): Cluster {
  const c = create(ClusterSchema, {
    name: 'outbound|9080||reviews.shop.svc.cluster.local',
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: create(Cluster_EdsClusterConfigSchema, { edsConfig: adsConfigSource() }),
    ...init,
  });
  // Through the wire, as the proxy receives it.
  return fromBinary(ClusterSchema, toBinary(ClusterSchema, c));
}

const autoMatches = () => [
  create(Cluster_TransportSocketMatchSchema, {
    name: 'tlsMode-istio',
    match: { tlsMode: 'istio' },
    transportSocket: istioMutualTls([SPIFFE], 'outbound_.9080_._.reviews.shop.svc.cluster.local', false),
  }),
  create(Cluster_TransportSocketMatchSchema, {
    name: 'tlsMode-disabled',
    match: {},
    transportSocket: rawBufferTransportSocket(),
  }),
];

test("Istio's auto mTLS matches decode into per-endpoint transports", () => {
  const r = decodeCluster(edsCluster({ transportSocketMatches: autoMatches() }));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.equal(r.value.tls, undefined, 'no default transport socket: plain text');
  const [istio, plain] = r.value.transportSocketMatches ?? [];
  assert.deepEqual(istio.match, { tlsMode: 'istio' });
  assert.deepEqual(istio.tls, {
    common: {
      certificates: [{ kind: 'sds', name: 'default' }],
      validation: {
        kind: 'sds',
        name: 'ROOTCA',
        matchSubjectAltNames: [{ sanType: 'URI', kind: 'exact', value: SPIFFE }],
      },
      alpnProtocols: ['istio-peer-exchange', 'istio'],
      minVersion: 'TLSv1_2',
      maxVersion: 'TLSv1_3',
    },
    sni: 'outbound_.9080_._.reviews.shop.svc.cluster.local',
  });
  assert.deepEqual(plain, { name: 'tlsMode-disabled', match: {} });
});

test('a match without transport_socket is plain text; numbers and booleans match too', () => {
  const r = decodeCluster(
    edsCluster({
      transportSocketMatches: [
        create(Cluster_TransportSocketMatchSchema, { name: 'n', match: { weight: 3, canary: true } }),
      ],
    }),
  );
  assert.ok(r.ok);
  assert.deepEqual(r.value.transportSocketMatches, [{ name: 'n', match: { weight: 3, canary: true } }]);
});

test('NACKs with field paths: list and struct match values, unknown transport sockets, unsupported TLS fields', () => {
  const bad = edsCluster({
    transportSocketMatches: [
      create(Cluster_TransportSocketMatchSchema, { name: 'list', match: { tlsMode: ['istio'] } }),
      create(Cluster_TransportSocketMatchSchema, {
        name: 'alts',
        transportSocket: create(TransportSocketSchema, { name: 'envoy.transport_sockets.alts' }),
      }),
      create(Cluster_TransportSocketMatchSchema, {
        name: 'renegotiation',
        transportSocket: create(TransportSocketSchema, {
          name: 'envoy.transport_sockets.tls',
          configType: {
            case: 'typedConfig',
            value: anyPack(
              UpstreamTlsContextSchema,
              create(UpstreamTlsContextSchema, { allowRenegotiation: true }),
            ),
          },
        }),
      }),
    ],
  });
  const r = decodeCluster(bad);
  assert.equal(r.ok, false);
  const paths = r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  assert.deepEqual(paths, [
    'transport_socket_matches[0].match.tlsMode: list and struct values not supported by Trellis',
    'transport_socket_matches[1].transport_socket.typed_config: transport socket "envoy.transport_sockets.alts" not supported by Trellis',
    'transport_socket_matches[2].transport_socket.typed_config.allow_renegotiation: not supported by Trellis',
  ]);
});

test('transport_socket and transport_socket_matches together: the match wins per endpoint, the socket is the default', () => {
  const r = decodeCluster(
    edsCluster({
      transportSocket: istioMutualTls([SPIFFE], 'sni', true),
      transportSocketMatches: autoMatches(),
    }),
  );
  assert.ok(r.ok);
  assert.deepEqual(r.value.tls?.common.alpnProtocols, ['istio-peer-exchange', 'istio', 'h2']);
  assert.equal(r.value.transportSocketMatches?.length, 2);
});
