// The inbound listener under PeerAuthentication: STRICT ports get mTLS chains only, PERMISSIVE ports an mTLS
// and a plain chain told apart by the tls_inspector, DISABLE ports plain chains; Istio's per-port shape and the
// local one-listener shape (ports refused on a chain get 403); the metadata exchange filter's shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toJson } from '@bufbuild/protobuf';
import { type Any, anyUnpack, StructSchema } from '@bufbuild/protobuf/wkt';
import { snapshotFromYaml } from '../../../../test/simulation/registry-yaml.js';
import type { FilterChain } from '../../../generated/envoy/config/listener/v3/listener_components_pb.js';
import type { Listener } from '../../../generated/envoy/config/listener/v3/listener_pb.js';
import { HttpConnectionManagerSchema } from '../../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { DownstreamTlsContextSchema } from '../../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { proxyFromNode } from '../../model/proxy.js';
import { TranslateContext } from '../context.js';
import { EMIT_METADATA_EXCHANGE, httpConnectionManager } from './filters.js';
import { inboundListeners } from './inbound.js';

const WORKLOAD = `
apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec:
  selector: { app: reviews }
  ports: [{ name: http, port: 9080, targetPort: 8080 }, { name: tcp-db, port: 5432 }]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1, namespace: shop }
spec: { address: 10.0.0.1, labels: { app: reviews }, serviceAccount: reviews }
`;

const pa = (body: string) => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: p, namespace: shop }
spec: ${body}`;

function listener(policy: string, local = false, meshMtls = true) {
  const snap = snapshotFromYaml(`${WORKLOAD}\n---\n${policy}`, { meshMtls });
  const proxy = proxyFromNode('sidecar~10.0.0.1~reviews-v1.shop~shop.svc.cluster.local', {
    LABELS: { app: 'reviews' },
    ...(local ? { TRELLIS_INBOUND_PORT: 15006, TRELLIS_APP_PORTS: { 9080: 18080, 5432: 15432 } } : {}),
  });
  const [l] = inboundListeners(new TranslateContext(snap, proxy));
  return l as Listener;
}

/**
 * `port/transport/what` per chain (`*` for an unset criterion): `mtls` terminates Istio mTLS (`mtls+alpn` when
 * it matches only Istio's ALPN, as under PERMISSIVE), `passthrough` proxies other TLS to the app untouched.
 */
function shape(l: Listener): string[] {
  return l.filterChains.map((c) => {
    const m = c.filterChainMatch;
    const what = c.transportSocket
      ? m?.applicationProtocols.length
        ? 'mtls+alpn'
        : 'mtls'
      : c.name.endsWith('passthrough')
        ? 'passthrough'
        : 'plain';
    return `${m?.destinationPort ?? '*'}/${m?.transportProtocol || '*'}/${what}`;
  });
}

const inspector = (l: Listener) => l.listenerFilters.map((f) => f.name);

test('Istio shape: STRICT → mTLS chains only, behind the tls_inspector; plain text then matches nothing', () => {
  const l = listener(pa('{ mtls: { mode: STRICT } }'));
  assert.deepEqual(shape(l), ['5432/tls/mtls', '8080/tls/mtls']);
  assert.deepEqual(inspector(l), ['envoy.filters.listener.tls_inspector']);
  const ts = l.filterChains[1].transportSocket!;
  assert.equal(ts.configType.case, 'typedConfig');
  const ctx =
    ts.configType.case === 'typedConfig'
      ? anyUnpack(ts.configType.value, DownstreamTlsContextSchema)
      : undefined;
  assert.equal(ctx?.requireClientCertificate, true);
  assert.equal(ctx?.commonTlsContext?.tlsCertificateSdsSecretConfigs[0]?.name, 'default');
  const v = ctx?.commonTlsContext?.validationContextType;
  assert.equal(v?.case === 'validationContextSdsSecretConfig' ? v.value.name : '', 'ROOTCA');
  // The HTTP chain's ALPN shares a value with what sidecars offer (Node refuses disjoint lists).
  assert.deepEqual(ctx?.commonTlsContext?.alpnProtocols, ['h2', 'http/1.1', 'istio-peer-exchange', 'istio']);
});

test('Istio shape: PERMISSIVE (the default) → mTLS for Istio ALPN, other TLS passed through, plain chains per port; DISABLE → plain only', () => {
  const permissive = listener('');
  assert.deepEqual(shape(permissive), [
    '5432/tls/mtls+alpn',
    '5432/tls/passthrough',
    '5432/raw_buffer/plain',
    '8080/tls/mtls+alpn',
    '8080/tls/passthrough',
    '8080/raw_buffer/plain',
  ]);
  assert.deepEqual(permissive.filterChains[0].filterChainMatch?.applicationProtocols, [
    'istio-peer-exchange',
    'istio',
    'istio-http/1.0',
    'istio-http/1.1',
    'istio-h2',
  ]);
  assert.deepEqual(
    permissive.filterChains[4].filters.map((f) => f.name),
    ['istio.stats', 'envoy.filters.network.tcp_proxy'],
    'TLS passthrough',
  );
  const off = listener(pa('{ mtls: { mode: DISABLE } }'));
  assert.deepEqual(shape(off), ['5432/*/plain', '8080/*/plain']);
  assert.deepEqual(inspector(off), []);
  assert.deepEqual(shape(listener('', false, false)), ['5432/*/plain', '8080/*/plain'], 'meshMtls off');
});

test('portLevelMtls on the workload port (or the service port) overrides the workload mode', () => {
  const l = listener(
    pa(
      '{ selector: { matchLabels: { app: reviews } }, mtls: { mode: STRICT }, portLevelMtls: { 5432: { mode: DISABLE } } }',
    ),
  );
  assert.deepEqual(shape(l), ['5432/*/plain', '8080/tls/mtls']);
  const byService = listener(
    pa(
      '{ selector: { matchLabels: { app: reviews } }, mtls: { mode: DISABLE }, portLevelMtls: { 9080: { mode: STRICT } } }',
    ),
  );
  assert.deepEqual(shape(byService), ['5432/*/plain', '8080/tls/mtls']);
});

function vhosts(chain: FilterChain): string[] {
  const f = chain.filters[0];
  const hcm =
    f.configType.case === 'typedConfig'
      ? anyUnpack(f.configType.value, HttpConnectionManagerSchema)
      : undefined;
  const rc = hcm?.routeSpecifier.case === 'routeConfig' ? hcm.routeSpecifier.value : undefined;
  return (rc?.virtualHosts ?? []).map((v) => {
    const a = v.routes[0]?.action;
    const target =
      a?.case === 'route' && a.value.clusterSpecifier.case === 'cluster'
        ? a.value.clusterSpecifier.value
        : a?.case === 'directResponse'
          ? String(a.value.status)
          : '?';
    return `${v.domains.join(',')}→${target}`;
  });
}

test('local mode: one listener; the mTLS chain routes ports that accept mTLS, the plain chain the others', () => {
  // An HTTP-only workload with a second HTTP port to mix modes.
  const twoPorts = WORKLOAD.replace('{ name: tcp-db, port: 5432 }', '{ name: http-admin, port: 9000 }');
  const policy = pa(
    '{ selector: { matchLabels: { app: reviews } }, mtls: { mode: STRICT }, portLevelMtls: { 9000: { mode: PERMISSIVE } } }',
  );
  const snap = snapshotFromYaml(`${twoPorts}\n---\n${policy}`, { meshMtls: true });
  const proxy = proxyFromNode('sidecar~10.0.0.1~reviews-v1.shop~shop.svc.cluster.local', {
    LABELS: { app: 'reviews' },
    TRELLIS_INBOUND_PORT: 15006,
  });
  const [l] = inboundListeners(new TranslateContext(snap, proxy));
  assert.deepEqual(shape(l), ['*/tls/mtls+alpn', '*/tls/passthrough', '*/raw_buffer/plain']);
  assert.deepEqual(inspector(l), ['envoy.filters.listener.tls_inspector']);
  assert.deepEqual(vhosts(l.filterChains[0]), [
    '*:9000→inbound|9000||',
    '*:9080→inbound|9080||',
    '*→inbound|9000||',
  ]);
  // Plain text reaches the PERMISSIVE port only; the STRICT one answers 403 (one listener serves both).
  assert.deepEqual(vhosts(l.filterChains[2]), ['*:9000→inbound|9000||', '*:9080→403', '*→inbound|9000||']);
});

test('local mode: all STRICT → no plain chain (a plain connection is closed); TCP-only workloads too', () => {
  const l = listener(pa('{ mtls: { mode: STRICT } }'), true);
  assert.deepEqual(shape(l), ['*/tls/mtls']);
  const tcpOnly = WORKLOAD.replace('{ name: http, port: 9080, targetPort: 8080 }, ', '');
  const snap = snapshotFromYaml(`${tcpOnly}\n---\n${pa('{ mtls: { mode: PERMISSIVE } }')}`, {
    meshMtls: true,
  });
  const proxy = proxyFromNode('sidecar~10.0.0.1~reviews-v1.shop~shop.svc.cluster.local', {
    LABELS: { app: 'reviews' },
    TRELLIS_INBOUND_PORT: 15006,
  });
  const [t] = inboundListeners(new TranslateContext(snap, proxy));
  assert.deepEqual(shape(t), ['*/tls/mtls+alpn', '*/tls/passthrough', '*/raw_buffer/plain']);
  assert.deepEqual(
    t.filterChains[0].filters.map((f) => f.name),
    ['istio.stats', 'envoy.filters.network.tcp_proxy'],
  );
});

function structOf(any: Any | undefined): unknown {
  const m = any ? anyUnpack(any, StructSchema) : undefined;
  return m ? toJson(StructSchema, m) : undefined;
}

test('istio.metadata_exchange: first HTTP filter with a packed Struct config, on sidecars', () => {
  assert.equal(EMIT_METADATA_EXCHANGE, true, 'sidecars exchange peer metadata');
  const filters = (o: { metadataExchange?: 'inbound' | 'outbound'; emitMetadataExchange?: boolean }) => {
    const f = httpConnectionManager({ statPrefix: 's', routes: { rds: 'r' }, ...o });
    const hcm =
      f.configType.case === 'typedConfig'
        ? anyUnpack(f.configType.value, HttpConnectionManagerSchema)
        : undefined;
    return hcm?.httpFilters ?? [];
  };
  assert.equal(
    filters({ metadataExchange: 'inbound', emitMetadataExchange: false })[0].name,
    'envoy.filters.http.fault',
  );
  assert.equal(filters({})[0].name, 'envoy.filters.http.fault', 'gateways have no exchange');
  const inbound = filters({ metadataExchange: 'inbound' })[0];
  assert.equal(inbound.name, 'istio.metadata_exchange');
  const any = inbound.configType.case === 'typedConfig' ? inbound.configType.value : undefined;
  assert.equal(any?.typeUrl, 'type.googleapis.com/google.protobuf.Struct');
  assert.deepEqual(structOf(any), {
    downstream_discovery: [{ istio_headers: {} }],
    downstream_propagation: [{ istio_headers: {} }],
  });
  const outbound = filters({ metadataExchange: 'outbound', emitMetadataExchange: true })[0];
  const oany = outbound.configType.case === 'typedConfig' ? outbound.configType.value : undefined;
  assert.deepEqual(structOf(oany), {
    upstream_discovery: [{ istio_headers: {} }],
    upstream_propagation: [{ istio_headers: {} }],
  });
  assert.equal(filters({ emitMetadataExchange: true })[0].name, 'envoy.filters.http.fault', 'gateways: none');
});
