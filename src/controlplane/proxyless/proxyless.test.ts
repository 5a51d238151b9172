// The proxyless gRPC generator on a BookInfo snapshot: detection by node metadata, listener names resolved
// from short names and FQDNs, the ApiListener's HCM, the VirtualService in the route config, EDS clusters
// per requested subset, and weighted localities in endpoints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { BOOKINFO } from '../../../test/simulation/fixtures.js';
import { snapshotFromYaml } from '../../../test/simulation/registry-yaml.js';
import {
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { HttpConnectionManagerSchema } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { proxyFromNode } from '../model/proxy.js';
import { TranslateContext } from '../translate/context.js';
import { GENERATORS, TYPE_URLS } from '../translate/generators.js';
import { grpcClusters } from './clusters.js';
import { isProxyless } from './detect.js';
import { grpcLoadAssignments } from './endpoints.js';
import { PROXYLESS_GENERATORS } from './generators.js';
import { grpcListeners } from './listeners.js';
import { splitHostPort } from './names.js';
import { grpcRouteConfigs } from './routes.js';

const FQDN = 'reviews.default.svc.cluster.local';
const KEY = `outbound|9080||${FQDN}`;

const EXTRA = `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: redirecting, namespace: default }
spec:
  hosts: [productpage]
  http:
  - match: [{ uri: { prefix: /old } }]
    redirect: { uri: /new }
  - match: [{ headers: { x-canary: { exact: "true" } } }]
    fault: { abort: { grpcStatus: UNAVAILABLE, percentage: { value: 100 } } }
    route: [{ destination: { host: productpage } }]
    timeout: 2s
`;

const snapshot = snapshotFromYaml(BOOKINFO + EXTRA);

function grpcClient(namespace = 'default') {
  return proxyFromNode(`sidecar~10.0.0.50~app.${namespace}~${namespace}.svc.cluster.local`, {
    GENERATOR: 'grpc',
    NAMESPACE: namespace,
  });
}

const ctx = (namespace = 'default') => new TranslateContext(snapshot, grpcClient(namespace));

test('a node with GENERATOR=grpc is proxyless; an Envoy node is not', () => {
  assert.equal(isProxyless(grpcClient()), true);
  assert.equal(
    isProxyless(proxyFromNode('sidecar~10.0.0.9~pp.default~default.svc.cluster.local', {})),
    false,
  );
});

test('host:port parsing keeps the name and rejects bad ports', () => {
  assert.deepEqual(splitHostPort('reviews.default:9080'), { host: 'reviews.default', port: 9080 });
  assert.deepEqual(splitHostPort('Reviews'), { host: 'reviews' });
  assert.deepEqual(splitHostPort('[::1]:80'), { host: '::1', port: 80 });
  assert.equal(splitHostPort('reviews:0'), undefined);
  assert.equal(splitHostPort(':80'), undefined);
});

test('listeners: short names, namespace-qualified names and FQDNs resolve; unknown names and ports do not', () => {
  const names = ['reviews:9080', 'reviews.default:9080', `${FQDN}:9080`, 'reviews.default.svc:9080'];
  const listeners = grpcListeners(ctx(), [...names, 'reviews:1234', 'nosuch:9080', 'reviews']);
  // `reviews` without a port resolves too: the service has one port.
  assert.deepEqual(
    listeners.map((l) => l.name),
    [...names, 'reviews'],
  );
  // From another namespace, the bare short name means that namespace's service: there is none.
  assert.deepEqual(
    grpcListeners(ctx('other'), ['reviews:9080', 'reviews.default:9080']).map((l) => l.name),
    ['reviews.default:9080'],
  );
  // No names: a gRPC client never asks for every listener.
  assert.deepEqual(grpcListeners(ctx(), []), []);
});

test('the API listener is an HCM with fault then router, routed by RDS to the service port’s key', () => {
  const [l] = grpcListeners(ctx(), ['reviews.default:9080']);
  assert.ok(l.apiListener?.apiListener);
  const hcm = anyUnpack(l.apiListener.apiListener, HttpConnectionManagerSchema);
  assert.ok(hcm);
  assert.deepEqual(
    hcm.httpFilters.map((f) => f.name),
    ['envoy.filters.http.fault', 'envoy.filters.http.router'],
  );
  assert.equal(hcm.routeSpecifier.case, 'rds');
  assert.equal(hcm.routeSpecifier.value.routeConfigName, KEY);
  assert.equal(hcm.routeSpecifier.value.configSource?.configSourceSpecifier.case, 'ads');
  assert.equal(l.filterChains.length, 0);
});

test('the route config carries the VirtualService’s weights, with the dialled names and a catch-all domain', () => {
  const [rc] = grpcRouteConfigs(ctx(), [KEY, 'outbound|9080|v1|nosuch', 'garbage']);
  assert.equal(rc.name, KEY);
  assert.equal(rc.virtualHosts.length, 1);
  const vh = rc.virtualHosts[0];
  for (const d of ['reviews:9080', 'reviews.default:9080', `${FQDN}:9080`, '*'])
    assert.ok(vh.domains.includes(d), d);
  const action = vh.routes[0].action;
  assert.equal(action.case, 'route');
  const spec = action.value.clusterSpecifier;
  assert.equal(spec.case, 'weightedClusters');
  assert.deepEqual(
    spec.value.clusters.map((c) => [c.name, c.weight]),
    [
      [`outbound|9080|v1|${FQDN}`, 90],
      [`outbound|9080|v2|${FQDN}`, 10],
    ],
  );
});

test('routes gRPC cannot take (redirects) are left out; fault and timeout stay on the route', () => {
  const [rc] = grpcRouteConfigs(ctx(), ['outbound|9080||productpage.default.svc.cluster.local']);
  const routes = rc.virtualHosts[0].routes;
  assert.equal(routes.length, 1);
  assert.ok(routes[0].typedPerFilterConfig['envoy.filters.http.fault']);
  assert.equal(routes[0].action.case, 'route');
  assert.equal(routes[0].action.value.maxStreamDuration?.grpcTimeoutHeaderMax?.seconds, 2n);
  // The sidecar's own (cached) virtual host still has its redirect: the gRPC copy did not mutate it.
  const sidecarRoutes = GENERATORS[TYPE_URLS.route](
    new TranslateContext(
      snapshot,
      proxyFromNode('sidecar~10.0.0.9~pp.default~default.svc.cluster.local', {}),
    ),
    ['9080'],
  );
  assert.ok(sidecarRoutes.length === 1);
});

test('clusters: only the requested ones, EDS over ADS, round robin; an undefined subset gives none', () => {
  const names = [KEY, `outbound|9080|v2|${FQDN}`, `outbound|9080|v9|${FQDN}`, 'outbound|9080||nosuch'];
  const clusters = grpcClusters(ctx(), names);
  assert.deepEqual(
    clusters.map((c) => c.name),
    [KEY, `outbound|9080|v2|${FQDN}`],
  );
  for (const c of clusters) {
    assert.equal(c.clusterDiscoveryType.value, Cluster_DiscoveryType.EDS);
    assert.equal(c.edsClusterConfig?.serviceName, c.name);
    assert.equal(c.edsClusterConfig?.edsConfig?.configSourceSpecifier.case, 'ads');
    assert.equal(c.lbPolicy, Cluster_LbPolicy.ROUND_ROBIN);
    assert.equal(c.transportSocket, undefined);
  }
});

test('endpoints: subset members only, every locality weighted (gRPC ignores unweighted ones)', () => {
  const [cla] = grpcLoadAssignments(ctx(), [`outbound|9080|v2|${FQDN}`]);
  assert.equal(cla.endpoints.length, 1);
  assert.equal(cla.endpoints[0].loadBalancingWeight, 1);
  const addresses = cla.endpoints[0].lbEndpoints.map((e) => {
    const a = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value.address?.address : undefined;
    return a?.case === 'socketAddress' ? a.value.address : '';
  });
  assert.deepEqual(addresses, ['10.0.0.2']);
});

test('the generator table answers every type by name', () => {
  const c = ctx();
  assert.deepEqual(
    PROXYLESS_GENERATORS[TYPE_URLS.listener](c, ['reviews:9080']).map((r) => r.name),
    ['reviews:9080'],
  );
  assert.deepEqual(
    PROXYLESS_GENERATORS[TYPE_URLS.route](c, [KEY]).map((r) => r.name),
    [KEY],
  );
  assert.deepEqual(PROXYLESS_GENERATORS[TYPE_URLS.cluster](c, undefined), []);
  assert.deepEqual(
    PROXYLESS_GENERATORS[TYPE_URLS.endpoint](c, [KEY]).map((r) => r.name),
    [KEY],
  );
});

test('a DNS-resolved ServiceEntry gets a LOGICAL_DNS cluster with its one host name; EDS keeps IPs only', () => {
  const dns = snapshotFromYaml(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ext, namespace: default }
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{ number: 443, name: grpc, protocol: GRPC }]
`);
  const c = new TranslateContext(dns, grpcClient());
  const name = 'outbound|443||api.example.com';
  const [cluster] = grpcClusters(c, [name]);
  assert.equal(cluster.clusterDiscoveryType.value, Cluster_DiscoveryType.LOGICAL_DNS);
  const ep = cluster.loadAssignment?.endpoints[0].lbEndpoints[0].hostIdentifier;
  const addr = ep?.case === 'endpoint' ? ep.value.address?.address : undefined;
  assert.equal(addr?.case, 'socketAddress');
  assert.equal(addr.value.address, 'api.example.com');
  assert.equal(addr.value.portSpecifier.value, 443);
  // The host-name endpoint is not an IP: gRPC would NACK it in EDS, so it is left out there.
  const [cla] = grpcLoadAssignments(c, [name]);
  assert.deepEqual(cla?.endpoints ?? [], []);
  // The listener and route still resolve by the ServiceEntry host.
  assert.deepEqual(
    grpcListeners(c, ['api.example.com:443']).map((l) => l.name),
    ['api.example.com:443'],
  );
});

test('a server listener name gets its exact address and a router-only, non-forwarding filter chain', () => {
  const name = 'xds.istio.io/grpc/lds/inbound/127.0.0.1:50051';
  const [l] = grpcListeners(ctx(), [name, 'xds.istio.io/grpc/lds/inbound/noport']);
  assert.equal(l.name, name);
  const addr = l.address?.address;
  assert.equal(addr?.case, 'socketAddress');
  assert.equal(addr.value.address, '127.0.0.1');
  assert.equal(addr.value.portSpecifier.value, 50051);
  assert.equal(l.filterChains.length, 1);
  const f = l.filterChains[0].filters[0];
  assert.equal(f.configType.case, 'typedConfig');
  const hcm = anyUnpack(f.configType.value, HttpConnectionManagerSchema);
  assert.deepEqual(
    hcm?.httpFilters.map((h) => h.name),
    ['envoy.filters.http.router'],
  );
  assert.equal(hcm?.routeSpecifier.case, 'routeConfig');
  const route = hcm.routeSpecifier.value.virtualHosts[0].routes[0];
  assert.equal(route.action.case, 'nonForwardingAction');
});
