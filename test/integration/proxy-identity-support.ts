// Envoy v3 bootstrap YAML for the identity integration tests: a client sidecar (outbound listener,
// mTLS-originating cluster) and a server sidecar (inbound mTLS listener in front of the app), both with
// inline SDS secrets, istio.metadata_exchange and JSON access logs; and starting a ProxyServer from one the
// way `trellis proxy` does (bootstrap secrets in the store, the node for metadata exchange).
import assert from 'node:assert/strict';
import type { issueWorkload } from '../../src/controlplane/ca/ca-fixtures.test-util.js';
import { SecretStore } from '../../src/proxy/secrets/secret-store.js';
import { ProxyServer } from '../../src/proxy/server.js';
import type { AccessLogManager } from '../../src/proxy/stats/access-log/manager.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import { decodeBootstrapDetailed } from '../../src/proxy/xds-client/decode-bootstrap.js';

export type Issued = Awaited<ReturnType<typeof issueWorkload>>;

export const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/productpage';
export const SERVER_ID = 'spiffe://cluster.local/ns/default/sa/reviews';

const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3';
const ROUTER_YAML = `
          - name: envoy.filters.http.router
            typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`;

/** Static secrets `default` and `ROOTCA`, inline, as a bootstrap carries them. */
function secretsYaml(c: Issued, rootsPem: string): string {
  return `
  secrets:
  - name: default
    tls_certificate:
      certificate_chain: { inline_string: ${JSON.stringify(c.certChainPem.join(''))} }
      private_key: { inline_string: ${JSON.stringify(c.privateKeyPem)} }
  - name: ROOTCA
    validation_context:
      trusted_ca: { inline_string: ${JSON.stringify(rootsPem)} }`;
}

function nodeYaml(id: string, workload: string, app: string, sa: string): string {
  return `
node:
  id: ${id}
  cluster: ${app}.default
  metadata:
    NAMESPACE: default
    NAME: ${workload}-1
    WORKLOAD_NAME: ${workload}
    SERVICE_ACCOUNT: ${sa}
    LABELS: { app: ${app}, version: v1 }
    TRELLIS_ADMIN_PORT: "0"`;
}

function accessLogYaml(path: string, fields: Record<string, string>): string {
  return `          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: ${path}
              log_format: { json_format: ${JSON.stringify(fields)} }`;
}

/** The server side: an inbound mTLS listener in front of the app, reading the caller's metadata. */
export function serverBootstrap(c: Issued, rootsPem: string, appPort: number, logPath: string): string {
  return `${nodeYaml('sidecar~127.0.0.1~reviews-v1-1.default~default.svc.cluster.local', 'reviews-v1', 'reviews', 'reviews')}
static_resources:
  listeners:
  - name: virtualInbound
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": ${TLS_TYPE}.DownstreamTlsContext
          require_client_certificate: true
          common_tls_context:
            alpn_protocols: [h2, http/1.1]
            tls_certificate_sds_secret_configs: [{ name: default }]
            validation_context_sds_secret_config: { name: ROOTCA }
      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": ${HCM_TYPE}
          stat_prefix: inbound_0.0.0.0_9080
          forward_client_cert_details: APPEND_FORWARD
${accessLogYaml(logPath, {
  principal: '%DOWNSTREAM_PEER_URI_SAN%',
  protocol: '%PROTOCOL%',
  local: '%DOWNSTREAM_LOCAL_URI_SAN%',
  peer_workload: '%FILTER_STATE(downstream_peer:FIELD:workload)%',
  peer_app: '%FILTER_STATE(downstream_peer:FIELD:app)%',
  peer_namespace: '%FILTER_STATE(downstream_peer:FIELD:namespace)%',
})}
          route_config:
            name: inbound|9080||
            virtual_hosts:
            - name: inbound
              domains: ["*"]
              routes:
              - match: { prefix: / }
                route: { cluster: "inbound|9080||" }
          http_filters:
          - name: istio.metadata_exchange
            typed_config:
              "@type": type.googleapis.com/google.protobuf.Struct
              value:
                downstream_discovery: [{ istio_headers: {} }]
                downstream_propagation: [{ istio_headers: {} }]${ROUTER_YAML}
  clusters:
  - name: "inbound|9080||"
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: "inbound|9080||"
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${appPort} } } }${secretsYaml(c, rootsPem)}
`;
}

/** The client side: an outbound listener for the app, originating mTLS to the server proxy. */
export function clientBootstrap(c: Issued, rootsPem: string, serverPort: number, logPath: string): string {
  return `${nodeYaml('sidecar~127.0.0.1~productpage-v1-1.default~default.svc.cluster.local', 'productpage-v1', 'productpage', 'productpage')}
static_resources:
  listeners:
  - name: outbound
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": ${HCM_TYPE}
          stat_prefix: outbound_0.0.0.0_9080
${accessLogYaml(logPath, {
  upstream_principal: '%UPSTREAM_PEER_URI_SAN%',
  upstream_workload: '%FILTER_STATE(upstream_peer:FIELD:workload)%',
  upstream_version: '%FILTER_STATE(upstream_peer:FIELD:version)%',
})}
          route_config:
            name: "9080"
            virtual_hosts:
            - name: reviews
              domains: ["*"]
              routes:
              - match: { prefix: /h2/ }
                route: { cluster: "outbound|9080|h2|reviews.default.svc.cluster.local" }
              - match: { prefix: / }
                route: { cluster: "outbound|9080||reviews.default.svc.cluster.local" }
          http_filters:
          - name: istio.metadata_exchange
            typed_config:
              "@type": type.googleapis.com/google.protobuf.Struct
              value:
                upstream_discovery: [{ istio_headers: {} }]
                upstream_propagation: [{ istio_headers: {} }]${ROUTER_YAML}
  clusters:${mtlsClusterYaml('outbound|9080||reviews.default.svc.cluster.local', serverPort, false)}${mtlsClusterYaml('outbound|9080|h2|reviews.default.svc.cluster.local', serverPort, true)}${secretsYaml(c, rootsPem)}
`;
}

/** An Istio-mutual cluster to the server proxy (HTTP/1.1, or HTTP/2 over ALPN h2). */
function mtlsClusterYaml(name: string, serverPort: number, h2: boolean): string {
  return `
  - name: "${name}"
    type: STATIC
    connect_timeout: 1s${h2 ? '\n    http2_protocol_options: {}' : ''}
    load_assignment:
      cluster_name: reviews
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${serverPort} } } }
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": ${TLS_TYPE}.UpstreamTlsContext
        sni: outbound_.9080_._.reviews.default.svc.cluster.local
        common_tls_context:
          tls_certificate_sds_secret_configs: [{ name: default }]
          combined_validation_context:
            default_validation_context:
              match_subject_alt_names: [{ exact: "${SERVER_ID}" }]
            validation_context_sds_secret_config: { name: ROOTCA }`;
}

/** A proxy as \`trellis proxy\` runs one: the decoded bootstrap's resources, secrets, node and access logs. */
export function startProxy(yaml: string, logs: AccessLogManager): ProxyServer {
  const decoded = decodeBootstrapDetailed(yaml, 'bootstrap.yaml');
  assert.ok(decoded.ok, JSON.stringify(!decoded.ok && decoded.errors));
  const b = decoded.value.bootstrap;
  const proxy = new ProxyServer({
    stats: new StatsStore(),
    secretStore: new SecretStore({ static: b.secrets }),
    localNode: b.node,
    accessLogFor: (configs) => {
      const r = logs.create(configs[0]);
      return r.ok ? r.value : undefined;
    },
  });
  proxy.apply({
    listeners: new Map(b.listeners.map((l) => [l.name, l])),
    clusters: new Map(b.clusters.map((c) => [c.name, c])),
    routes: new Map(b.routes.map((r) => [r.name, r])),
    endpoints: new Map(),
  });
  return proxy;
}
