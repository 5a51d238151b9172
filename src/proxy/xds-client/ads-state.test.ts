// SotW state without a transport: warming (an updated listener keeps serving until its new routes arrive),
// the initial-fetch timeout, EDS unsubscription, and NACKs for malformed responses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Cluster_DiscoveryType, ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import { HttpConnectionManagerSchema } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { SecretSchema } from '../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { UpstreamTlsContextSchema } from '../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { DiscoveryResponseSchema } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { AdsState, type RequestSpec } from './ads-state.js';
import { TypeUrl } from './registry.js';

const ads = { configSourceSpecifier: { case: 'ads' as const, value: {} } };

function response<D extends DescMessage>(
  typeUrl: string,
  version: string,
  schema: D,
  resources: MessageShape<D>[],
) {
  return create(DiscoveryResponseSchema, {
    typeUrl,
    versionInfo: version,
    nonce: `n-${version}`,
    resources: resources.map((r) => anyPack(schema, r)),
  });
}

const eds = (name: string) =>
  create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads },
  });

function listener(name: string, route: string) {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: name,
    routeSpecifier: { case: 'rds', value: { routeConfigName: route, configSource: ads } },
    httpFilters: [
      {
        name: 'router',
        configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema)) },
      },
    ],
  });
  return create(ListenerSchema, {
    name,
    address: {
      address: {
        case: 'socketAddress',
        value: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: 8080 } },
      },
    },
    filterChains: [
      {
        filters: [
          {
            name: 'hcm',
            configType: { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, hcm) },
          },
        ],
      },
    ],
  });
}

const route = (name: string) =>
  create(RouteConfigurationSchema, { name, virtualHosts: [{ name: 'vh', domains: ['*'] }] });

const SHORT: Record<string, string> = {
  [TypeUrl.cluster]: 'cluster',
  [TypeUrl.endpoint]: 'endpoint',
  [TypeUrl.listener]: 'listener',
  [TypeUrl.route]: 'route',
  [TypeUrl.secret]: 'secret',
};
const summary = (specs: RequestSpec[]) =>
  specs.map(
    (s) => `${SHORT[s.typeUrl]}:${s.versionInfo}:${s.resourceNames.join(',')}${s.errorDetail ? ':NACK' : ''}`,
  );

test('initial fetch timeout: clusters still waiting for endpoints go active empty and LDS starts', () => {
  const st = new AdsState();
  assert.deepEqual(summary(st.streamStarted()), ['cluster::']);
  const r = st.handleResponse(response(TypeUrl.cluster, '1', ClusterSchema, [eds('a')]), 0);
  assert.deepEqual(summary(r.requests), ['endpoint::a', 'cluster:1:']);
  assert.equal(st.waitingForInitialFetch, true);
  assert.equal(st.resources().clusters.size, 0);
  const t = st.initialFetchTimedOut();
  assert.equal(t.changed, true);
  assert.deepEqual(summary(t.requests), ['listener::']);
  assert.deepEqual([...st.resources().clusters.keys()], ['a']);
  assert.equal(st.waitingForInitialFetch, false);
});

test('an updated listener keeps serving its old version until the new route configuration arrives', () => {
  const st = new AdsState({ cds: false });
  assert.deepEqual(summary(st.streamStarted()), ['listener::'], 'without CDS, LDS starts at once');
  st.handleResponse(response(TypeUrl.listener, '1', ListenerSchema, [listener('l', 'r1')]), 0);
  st.handleResponse(response(TypeUrl.route, '1', RouteConfigurationSchema, [route('r1')]), 0);
  const v1 = st.resources().listeners.get('l');
  assert.ok(v1);

  const r = st.handleResponse(response(TypeUrl.listener, '2', ListenerSchema, [listener('l', 'r2')]), 0);
  assert.deepEqual(
    summary(r.requests),
    ['route:1:r1,r2', 'listener:2:'],
    'the new route is added, the old one kept meanwhile',
  );
  assert.equal(st.resources().listeners.get('l'), v1, 'old listener still active');
  assert.deepEqual(st.status('listener').warming, ['l']);

  st.handleResponse(response(TypeUrl.route, '2', RouteConfigurationSchema, [route('r1'), route('r2')]), 0);
  const now = st.resources().listeners.get('l');
  assert.notEqual(now, v1);
  const f = now?.filterChains[0].filter;
  assert.deepEqual(f?.kind === 'http' ? f.routes : undefined, { kind: 'rds', name: 'r2' });
  assert.deepEqual(st.status('listener').warming, []);
});

test('EDS names follow the clusters; endpoints of removed clusters are dropped', () => {
  const st = new AdsState({ lds: false });
  st.streamStarted();
  st.handleResponse(response(TypeUrl.cluster, '1', ClusterSchema, [eds('a'), eds('b')]), 0);
  const cla = (n: string) => create(ClusterLoadAssignmentSchema, { clusterName: n });
  st.handleResponse(
    response(TypeUrl.endpoint, '1', ClusterLoadAssignmentSchema, [cla('a'), cla('b'), cla('stray')]),
    0,
  );
  assert.deepEqual([...st.resources().endpoints.keys()].sort(), ['a', 'b'], 'unsubscribed names are ignored');
  const r = st.handleResponse(response(TypeUrl.cluster, '2', ClusterSchema, [eds('b')]), 0);
  assert.deepEqual(summary(r.requests), ['endpoint:1:b', 'cluster:2:']);
  assert.deepEqual([...st.resources().endpoints.keys()], ['b']);
  assert.deepEqual([...st.resources().clusters.keys()], ['b']);
});

test('NACKs: wrong resource type, duplicate names and unknown type URLs', () => {
  const st = new AdsState();
  st.streamStarted();
  const mixed = create(DiscoveryResponseSchema, {
    typeUrl: TypeUrl.cluster,
    versionInfo: '1',
    nonce: 'x',
    resources: [anyPack(RouteConfigurationSchema, route('r'))],
  });
  const r1 = st.handleResponse(mixed, 0);
  assert.equal(r1.changed, false);
  assert.match(r1.requests[0].errorDetail?.message ?? '', /does not match the response type/);
  assert.equal(r1.requests[0].versionInfo, '');
  assert.equal(r1.requests[0].responseNonce, 'x');

  const dup = st.handleResponse(response(TypeUrl.cluster, '2', ClusterSchema, [eds('a'), eds('a')]), 0);
  assert.match(dup.requests[0].errorDetail?.message ?? '', /^a: duplicate resource name/);

  const unknown = st.handleResponse(
    create(DiscoveryResponseSchema, {
      typeUrl: 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig',
      nonce: 'u',
    }),
    0,
  );
  assert.equal(unknown.requests[0].typeUrl, 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig');
  assert.match(unknown.requests[0].errorDetail?.message ?? '', /not supported by Trellis/);
  assert.equal(st.status('cluster').versionInfo, '', 'nothing accepted');
});

test('SDS: clusters with SDS certificates warm until their secrets arrive, then LDS starts', () => {
  const tls = create(UpstreamTlsContextSchema, {
    commonTlsContext: {
      tlsCertificateSdsSecretConfigs: [{ name: 'default', sdsConfig: ads }],
      validationContextType: {
        case: 'validationContextSdsSecretConfig',
        value: { name: 'ROOTCA', sdsConfig: ads },
      },
    },
  });
  const cluster = create(ClusterSchema, {
    name: 'mtls',
    loadAssignment: { clusterName: 'mtls' },
    transportSocket: {
      name: 'envoy.transport_sockets.tls',
      configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, tls) },
    },
  });
  const st = new AdsState();
  st.streamStarted();
  const r = st.handleResponse(response(TypeUrl.cluster, '1', ClusterSchema, [cluster]), 0);
  assert.deepEqual(summary(r.requests), ['secret::ROOTCA,default', 'cluster:1:']);
  assert.equal(st.resources().clusters.size, 0);
  assert.deepEqual(st.status('cluster').warming, ['mtls']);

  const bad = st.handleResponse(
    response(TypeUrl.secret, '1', SecretSchema, [create(SecretSchema, { name: 'default' })]),
    0,
  );
  assert.match(
    bad.requests[0].errorDetail?.message ?? '',
    /^default: one of tls_certificate or validation_context is required/,
  );

  const cert = create(SecretSchema, {
    name: 'default',
    type: {
      case: 'tlsCertificate',
      value: {
        certificateChain: { specifier: { case: 'inlineString', value: 'CERT' } },
        privateKey: { specifier: { case: 'inlineString', value: 'KEY' } },
      },
    },
  });
  const root = create(SecretSchema, {
    name: 'ROOTCA',
    type: {
      case: 'validationContext',
      value: { trustedCa: { specifier: { case: 'inlineString', value: 'ROOTS' } } },
    },
  });
  const ok = st.handleResponse(response(TypeUrl.secret, '2', SecretSchema, [cert, root]), 0);
  assert.deepEqual(summary(ok.requests), ['secret:2:ROOTCA,default', 'listener::']);
  assert.deepEqual([...st.resources().clusters.keys()], ['mtls']);
  assert.deepEqual(st.resources().secrets?.get('default'), {
    name: 'default',
    certificateChain: 'CERT',
    privateKey: 'KEY',
  });
  assert.equal(st.resources().secrets?.get('ROOTCA')?.trustedCa, 'ROOTS');
});
