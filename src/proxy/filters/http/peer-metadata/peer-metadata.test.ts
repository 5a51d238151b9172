// Peer metadata exchange: the wire format (base64 of a serialized Struct, as Istio's sidecars send it),
// the local node's header computed once, and the filter's inbound and outbound header handling.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cluster } from '../../../config/cluster.js';
import type { HttpFilter } from '../../../config/listener.js';
import { decodePeerMetadata, encodePeerMetadata, exchangedMetadata, PeerMetadataCache } from './peer-info.js';
import { localPeerOf, PeerMetadataFilter, type PeerRequestState } from './peer-metadata.js';

const NODE = {
  id: 'sidecar~127.0.0.1~reviews-v2.default~default.svc.cluster.local',
  metadata: {
    NAMESPACE: 'default',
    WORKLOAD_NAME: 'reviews-v2',
    NAME: 'reviews-v2-1',
    LABELS: { app: 'reviews', version: 'v2' },
    SERVICE_ACCOUNT: 'bookinfo-reviews',
    CLUSTER_ID: 'Kubernetes',
    TRELLIS_ADMIN_PORT: '15000',
  },
};

/** Protobuf bytes written by hand: Struct{fields: {"NAMESPACE": Value{string_value: "ns"}}}. */
function handEncodedStruct(): Buffer {
  const str = (field: number, s: string) =>
    Buffer.concat([Buffer.from([(field << 3) | 2, s.length]), Buffer.from(s)]);
  const value = str(3, 'ns'); // Value.string_value = 3
  const entry = Buffer.concat([str(1, 'NAMESPACE'), Buffer.from([(2 << 3) | 2, value.length]), value]);
  return Buffer.concat([Buffer.from([(1 << 3) | 2, entry.length]), entry]); // Struct.fields = 1
}

function state(): PeerRequestState {
  return { downstreamPeer: undefined, upstreamPeer: undefined, peerEcho: 0 };
}

function filter(config: Record<string, unknown>, withLocalNode = true): PeerMetadataFilter {
  const f: HttpFilter = {
    name: 'istio.metadata_exchange',
    typeName: 'google.protobuf.Struct',
    config: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: config },
    disabled: false,
  };
  return PeerMetadataFilter.fromConfig([f], withLocalNode ? localPeerOf(NODE) : undefined)!;
}

const cluster = (name: string, metadata: Cluster['metadata'] = {}) => ({ name, metadata }) as Cluster;

test('exchanged metadata keeps Istio keys only and fills canonical service labels', () => {
  const m = exchangedMetadata(NODE.metadata);
  assert.equal(m.TRELLIS_ADMIN_PORT, undefined, 'private node metadata is not sent');
  assert.deepEqual(m.LABELS, {
    app: 'reviews',
    'service.istio.io/canonical-name': 'reviews',
    'service.istio.io/canonical-revision': 'v2',
    version: 'v2',
  });
  const reordered = exchangedMetadata({ ...NODE.metadata, LABELS: { version: 'v2', app: 'reviews' } });
  assert.equal(encodePeerMetadata(reordered), encodePeerMetadata(m), 'the header bytes are deterministic');
});

test('decodes the protobuf wire format and round-trips our own header', () => {
  const hand = decodePeerMetadata('x', handEncodedStruct().toString('base64'));
  assert.equal(hand?.namespace, 'ns');
  const local = localPeerOf(NODE);
  const peer = decodePeerMetadata(NODE.id, local.headerValue)!;
  assert.deepEqual(
    [
      peer.id,
      peer.name,
      peer.namespace,
      peer.workloadName,
      peer.app,
      peer.version,
      peer.serviceAccount,
      peer.clusterId,
    ],
    [NODE.id, 'reviews-v2-1', 'default', 'reviews-v2', 'reviews', 'v2', 'bookinfo-reviews', 'Kubernetes'],
  );
  assert.equal(peer.canonicalService, 'reviews');
  assert.equal(decodePeerMetadata('x', '!!not base64 of a struct'), undefined);
  const cache = new PeerMetadataCache();
  assert.equal(cache.lookup('a', local.headerValue), cache.lookup('a', local.headerValue), 'decoded once');
  assert.equal(cache.lookup('b', local.headerValue)?.id, 'b');
});

test('inbound: the caller is read and its headers removed; ours answers only what it sent', () => {
  const f = filter({
    downstream_discovery: [{ istio_headers: {} }],
    downstream_propagation: [{ istio_headers: {} }],
  });
  const caller = localPeerOf({
    id: 'productpage',
    metadata: {
      NAMESPACE: 'default',
      WORKLOAD_NAME: 'productpage-v1',
      LABELS: { app: 'productpage', version: 'v1' },
    },
  });
  const h = [
    'accept',
    '*/*',
    'x-envoy-peer-metadata-id',
    caller.id,
    'x-envoy-peer-metadata',
    caller.headerValue,
  ];
  const st = state();
  f.onRequest(h, st);
  assert.deepEqual(
    h.filter((x) => x !== ''),
    ['accept', '*/*'],
    'the app never sees the exchange headers',
  );
  assert.equal(st.downstreamPeer?.workloadName, 'productpage-v1');
  assert.equal(st.downstreamPeer?.id, 'productpage');
  const resp: string[] = ['content-type', 'text/plain'];
  f.onResponse(resp, st);
  assert.equal(resp[3], NODE.id);
  assert.equal(resp[5], localPeerOf(NODE).headerValue);
  const plain = state();
  f.onRequest(['accept', '*/*'], plain);
  const resp2: string[] = [];
  f.onLocalResponse(resp2, plain);
  assert.deepEqual(resp2, [], 'callers outside the mesh get nothing');
});

test('outbound: ours replaces whatever the app sent; the callee is read from the response and removed', () => {
  const f = filter({
    upstream_discovery: [{ istio_headers: {} }],
    upstream_propagation: [{ istio_headers: {} }],
  });
  const h = ['x-envoy-peer-metadata', 'forged'];
  f.onUpstreamRequest(h, cluster('outbound|9080||reviews.default.svc.cluster.local'));
  assert.deepEqual(
    h.filter((x) => x !== ''),
    ['x-envoy-peer-metadata-id', NODE.id, 'x-envoy-peer-metadata', localPeerOf(NODE).headerValue],
  );
  const callee = localPeerOf({
    id: 'ratings',
    metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'ratings-v1' },
  });
  const resp = ['x-envoy-peer-metadata-id', callee.id, 'x-envoy-peer-metadata', callee.headerValue, 'a', 'b'];
  const st = state();
  f.onResponse(resp, st);
  assert.equal(st.upstreamPeer?.workloadName, 'ratings-v1');
  assert.deepEqual(
    resp.filter((x) => x !== ''),
    ['a', 'b'],
  );
});

test('outbound propagation skips clusters Istio marks: disable_mx, and external ones when asked', () => {
  const f = filter({ upstream_propagation: [{ istio_headers: { skip_external_clusters: true } }] });
  const sent = (c: Cluster) => {
    const h: string[] = [];
    f.onUpstreamRequest(h, c);
    return h.length > 0;
  };
  assert.equal(sent(cluster('outbound|80||a')), true);
  assert.equal(sent(cluster('PassthroughCluster')), false);
  assert.equal(sent(cluster('outbound|80||b', { istio: { disable_mx: true } })), false);
  assert.equal(sent(cluster('outbound|80||c', { istio: { external: true } })), false);
  const noLocal = filter({ upstream_propagation: [{ istio_headers: {} }] }, false);
  const h: string[] = [];
  noLocal.onUpstreamRequest(h, cluster('x'));
  assert.deepEqual(h, [], 'without a local node nothing is sent');
});
