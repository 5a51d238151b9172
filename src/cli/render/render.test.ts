// The proxy-config renderers over a config_dump built the way a proxy serves it: BookInfo translated by the
// control plane's translator for productpage's sidecar, shaped by the proxy admin's own /config_dump builder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOOKINFO } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import { CertificateAuthority } from '../../controlplane/ca/authority.js';
import { issueWorkload } from '../../controlplane/ca/ca-fixtures.test-util.js';
import { proxyFromNode } from '../../controlplane/model/proxy.js';
import { TranslateContext } from '../../controlplane/translate/context.js';
import { configDump } from '../../controlplane/translate/dump.js';
import { buildConfigDump } from '../../proxy/admin/config-dump.js';
import type { ConfigDumpSection, JsonObject } from '../../proxy/admin/source.js';
import { bootstrapSection, renderBootstrapSummary } from './bootstrap.js';
import { clusterRows, parseIstioClusterName, renderClusters } from './cluster.js';
import { diffByName, renderDiff } from './config-diff.js';
import { clustersOf, type Json, listenersOf, routeConfigsOf } from './dump.js';
import { renderEndpoints } from './endpoint.js';
import { describeMatch, listenerRows, renderListeners } from './listener.js';
import { describeDomains, routeRows } from './route.js';
import { renderSecrets, secretRows } from './secret.js';

function productpageDump(): unknown {
  const proxy = proxyFromNode('sidecar~10.0.0.9~productpage-v1.default~default.svc.cluster.local', {
    LABELS: { app: 'productpage', version: 'v1' },
    TRELLIS_OUTBOUND_PORT: 15001,
    TRELLIS_INBOUND_PORT: 15006,
  });
  const dump = configDump(new TranslateContext(snapshotFromYaml(BOOKINFO), proxy));
  const dynamic = (items: unknown[], nameOf: (j: JsonObject) => string) =>
    items.map((r) => ({ name: nameOf(r as JsonObject), versionInfo: '1', resource: r as JsonObject }));
  const name = (j: JsonObject) => String(j.name);
  const sections: ConfigDumpSection[] = [
    {
      kind: 'bootstrap',
      bootstrap: {
        node: { id: proxy.id, cluster: 'productpage.default', metadata: { NAMESPACE: 'default' } },
        admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
        dynamic_resources: {
          ads_config: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
        },
        static_resources: {
          clusters: [
            {
              name: 'xds-grpc',
              load_assignment: {
                endpoints: [
                  {
                    lb_endpoints: [
                      {
                        endpoint: {
                          address: { socket_address: { address: '127.0.0.1', port_value: 15010 } },
                        },
                      },
                    ],
                  },
                ],
              },
            },
          ],
        },
      },
    },
    { kind: 'listeners', versionInfo: '1', static: [], dynamic: dynamic(dump.listeners, name) },
    { kind: 'clusters', versionInfo: '1', static: [], dynamic: dynamic(dump.clusters, name) },
    { kind: 'routes', static: [], dynamic: dynamic(dump.routes, name) },
  ];
  const built = buildConfigDump(sections);
  assert.ok(built.ok);
  return built.body;
}

test('cluster table takes Istio cluster names apart and shows the discovery type and DestinationRule', () => {
  const dump = productpageDump();
  const rows = clusterRows(clustersOf(dump));
  // The DestinationRule column comes from the translator's istio.config metadata; no rule, no name.
  assert.ok(
    rows.some(
      (r) => r.join(' ') === 'reviews.default.svc.cluster.local 9080 v1 outbound EDS reviews.default',
    ),
    JSON.stringify(rows),
  );
  assert.ok(
    rows.some((r) => r.join(' ') === 'productpage.default.svc.cluster.local 9080 - outbound EDS '),
    JSON.stringify(rows),
  );
  assert.ok(
    rows.some((r) => r[0] === 'reviews.default.svc.cluster.local' && r[2] === '-' && r[3] === 'outbound'),
  );
  const table = renderClusters(clustersOf(dump), { fqdn: 'reviews', subset: 'v2' });
  assert.deepEqual(
    table
      .split('\n')[0]
      .split(/\s{1,}/)
      .slice(0, 3),
    ['SERVICE', 'FQDN', 'PORT'],
  );
  assert.equal(table.trim().split('\n').length, 2, table);
  assert.match(table, /^reviews\.default\.svc\.cluster\.local 9080 v2 +outbound +EDS +reviews\.default$/m);
  assert.deepEqual(parseIstioClusterName('BlackHoleCluster'), {
    fqdn: 'BlackHoleCluster',
    port: '-',
    subset: '-',
    direction: '-',
  });
});

test('listener table: one row per filter chain, RDS routes named, matches in istioctl words', () => {
  const dump = productpageDump();
  const rows = listenerRows(listenersOf(dump));
  assert.ok(rows.length > 0);
  assert.ok(
    rows.some((r) => r[1] === '15001' && r[3] === 'Route: http_proxy'),
    JSON.stringify(rows, null, 1),
  );
  const text = renderListeners(listenersOf(dump));
  assert.match(text, /^ADDRESSES +PORT +MATCH +DESTINATION$/m);
  assert.equal(describeMatch({}), 'ALL');
  assert.equal(
    describeMatch({
      destination_port: 9080,
      transport_protocol: 'tls',
      application_protocols: ['istio-http/1.1', 'h2'],
      server_names: ['a.example'],
    }),
    'SNI: a.example; Trans: tls; App: istio-http/1.1,h2; Addr: *:9080',
  );
});

test('route table: the 9080 route config, the HTTP proxy routes with domains shortened, the VirtualService', () => {
  const dump = productpageDump();
  const rows = routeRows(routeConfigsOf(dump));
  const reviews = rows.find((r) => r[1] === 'reviews.default.svc.cluster.local:9080');
  assert.ok(reviews, JSON.stringify(rows, null, 1));
  assert.equal(reviews[3], '/*');
  // The VIRTUAL SERVICE column comes from the route's istio.config metadata; a default route has none.
  assert.equal(reviews[4], 'reviews.default');
  const productpage = rows.find((r) => r[1] === 'productpage.default.svc.cluster.local:9080');
  assert.equal(productpage?.[4], '', JSON.stringify(rows));
  assert.equal(
    describeDomains(['reviews', 'reviews:9080', 'reviews.default', 'reviews.default.svc']),
    'reviews, reviews.default + 1 more...',
  );
});

test('bootstrap summary names the node, admin and the xDS server', () => {
  const text = renderBootstrapSummary(bootstrapSection(productpageDump()) as Json);
  assert.match(text, /^NODE ID: +sidecar~10\.0\.0\.9~productpage-v1\.default~/m);
  assert.match(text, /^ADMIN: +127\.0\.0\.1:15000$/m);
  assert.match(text, /^XDS: +GRPC via xds-grpc \(127\.0\.0\.1:15010\)$/m);
});

test('endpoint table from /clusters?format=json: status and outlier check', () => {
  const clusters = {
    cluster_statuses: [
      {
        name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
        host_statuses: [
          {
            address: { socket_address: { address: '10.0.0.1', port_value: 9080 } },
            health_status: { eds_health_status: 'HEALTHY' },
          },
          {
            address: { socket_address: { address: '10.0.0.2', port_value: 9080 } },
            health_status: { eds_health_status: 'HEALTHY', failed_outlier_check: true },
          },
        ],
      },
    ],
  };
  const text = renderEndpoints(clusters);
  assert.equal(
    text,
    'ENDPOINT      STATUS  OUTLIER CHECK CLUSTER\n' +
      '10.0.0.1:9080 HEALTHY OK            outbound|9080|v1|reviews.default.svc.cluster.local\n' +
      '10.0.0.2:9080 HEALTHY FAILED        outbound|9080|v1|reviews.default.svc.cluster.local\n',
  );
  assert.equal(renderEndpoints(clusters, { status: 'unhealthy' }).split('\n').length, 2);
});

test('secret table says "no secrets" without an SDS section', () => {
  assert.equal(renderSecrets(secretRows(undefined)), 'no secrets\n');
  assert.equal(renderSecrets(secretRows({ dynamic_active_secrets: [] })), 'no secrets\n');
});

test('secret table reads serial, validity and SPIFFE identity of a CA-issued chain and the root', async () => {
  const ca = await CertificateAuthority.selfSigned();
  const leaf = await issueWorkload(ca, 'default', 'bookinfo-productpage');
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  const secrets = {
    '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
    dynamic_active_secrets: [
      {
        name: 'default',
        version_info: '1',
        secret: {
          name: 'default',
          tls_certificate: {
            certificate_chain: { inline_bytes: b64(leaf.certChainPem.join('')) },
            private_key: { inline_bytes: '[redacted]' },
          },
        },
      },
      {
        name: 'ROOTCA',
        version_info: '1',
        secret: {
          name: 'ROOTCA',
          validation_context: { trusted_ca: { inline_bytes: b64(ca.trustBundlePem().join('')) } },
        },
      },
    ],
  };
  const rows = secretRows(secrets, leaf.notBefore.getTime() + 1000);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].type, 'Cert Chain');
  assert.equal(rows[0].identity, 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage');
  assert.equal(rows[0].serial, leaf.serial.toLowerCase().replace(/^0+/, '') || rows[0].serial);
  assert.equal(rows[0].valid, true);
  assert.equal(rows[0].notAfter, leaf.notAfter.toISOString().replace('.000Z', 'Z'));
  assert.equal(rows[1].type, 'CA');
  assert.equal(secretRows(secrets, leaf.notAfter.getTime() + 1000)[0].valid, false);
  const text = renderSecrets(rows);
  assert.match(
    text,
    /^RESOURCE NAME TYPE +STATUS VALID CERT SERIAL NUMBER +NOT AFTER +NOT BEFORE +IDENTITY$/m,
  );
  assert.match(text, /^default +Cert Chain ACTIVE true /m);
});

test('config diff: equal resources match whatever their key order; differences are named by reason', () => {
  const a = { name: 'a', type: 'EDS', eds_cluster_config: { service_name: 'a', eds_config: { ads: {} } } };
  const reordered = {
    eds_cluster_config: { eds_config: { ads: {} }, service_name: 'a' },
    type: 'EDS',
    name: 'a',
  };
  assert.equal(renderDiff('Clusters', diffByName([a], [reordered])), 'Clusters Match\n');
  const diff = diffByName([a, { name: 'b' }], [{ ...a, type: 'STATIC' }, { name: 'c' }]);
  assert.deepEqual(diff, { missingInProxy: ['b'], notFromControlPlane: ['c'], different: ['a'] });
  assert.equal(
    renderDiff('Clusters', diff),
    "Clusters Don't Match\n" +
      "    ~ a: differs from the control plane's\n" +
      '    - b: generated by the control plane, not in the proxy\n' +
      '    + c: in the proxy, not generated by the control plane\n',
  );
});
