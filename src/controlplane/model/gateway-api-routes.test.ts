// Unit tests: Gateway API listeners beyond HTTP (HTTPS/TLS terminate with Istio's credentialName, TLS
// passthrough, TCP), GRPCRoute, TLSRoute and TCPRoute conversion, and ReferenceGrants for backends and certificates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatewaySpec, GRPCRouteSpec, KubeGatewaySpec, VirtualServiceSpec } from '../../api/index.js';
import type { TCPRouteSpec, TLSRouteSpec } from '../../api/kinds/gateway-api-l4.js';
import type { ReferenceGrantSpec } from '../../api/kinds/reference-grant.js';
import type { Resource } from '../../api/resource.js';
import { convertGatewayApi, internalGatewayName } from './gateway-api.js';

const res = <S>(kind: string, name: string, spec: S, ns = 'default', version = 'v1'): Resource<S> => ({
  apiVersion: `gateway.networking.k8s.io/${version}`,
  kind,
  metadata: { name, namespace: ns, labels: {}, annotations: {} },
  spec,
  source: { file: 'test.yaml', line: 1 },
});

const gateway = (listeners: KubeGatewaySpec['listeners'], ns = 'default') =>
  res<KubeGatewaySpec>('Gateway', 'gw', { gatewayClassName: 'istio', listeners }, ns);

const grant = (name: string, ns: string, fromKind: string, fromNs: string, toKind: string, toName?: string) =>
  res<ReferenceGrantSpec>(
    'ReferenceGrant',
    name,
    {
      from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: fromNs }],
      to: [{ group: '', kind: toKind, ...(toName ? { name: toName } : {}) }],
    },
    ns,
    'v1beta1',
  );

/** A Secret as the store holds it (its bytes are not needed to convert). */
const secret = (name: string, ns = 'default'): Resource => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: ns, labels: {}, annotations: {} },
  spec: { type: 'kubernetes.io/tls', data: {}, sha256: '0' },
  source: { file: 'test.yaml', line: 1 },
});

const gateways = (out: Resource[]) => out.filter((r) => r.kind === 'Gateway') as Resource<GatewaySpec>[];
const vss = (out: Resource[]) =>
  out.filter((r) => r.kind === 'VirtualService') as Resource<VirtualServiceSpec>[];
const key = (listener: string, ns = 'default') => `${ns}/${internalGatewayName('gw', listener)}`;

test('HTTPS and TLS Terminate become SIMPLE servers with kubernetes-gateway://<ns>/<name> credentials', () => {
  const out = convertGatewayApi(
    [
      gateway([
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          hostname: 'web.example.com',
          tls: { mode: 'Terminate', certificateRefs: [{ name: 'web-cert' }] },
        },
        {
          name: 'tls-term',
          port: 8443,
          protocol: 'TLS',
          tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'db-cert' }] },
        },
        { name: 'pass', port: 9443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
        { name: 'tcp', port: 9000, protocol: 'TCP' },
      ]),
      secret('web-cert'),
      secret('db-cert'),
    ],
    'cluster.local',
  );
  const servers = gateways(out).map((g) => g.spec.servers[0]);
  assert.deepEqual(
    servers.map((s) => [s.port.number, s.port.protocol, s.hosts, s.tls]),
    [
      [
        443,
        'HTTPS',
        ['*/web.example.com'],
        { mode: 'SIMPLE', credentialName: 'kubernetes-gateway://default/web-cert' },
      ],
      [8443, 'TLS', ['*/*'], { mode: 'SIMPLE', credentialName: 'kubernetes-gateway://default/db-cert' }],
      [9443, 'TLS', ['*/*'], { mode: 'PASSTHROUGH' }],
      [9000, 'TCP', ['*/*'], undefined],
    ],
  );
});

test('a certificateRef in another namespace needs a ReferenceGrant there from Gateways; other kinds are refused', () => {
  const listeners: KubeGatewaySpec['listeners'] = [
    {
      name: 'https',
      port: 443,
      protocol: 'HTTPS',
      tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert', namespace: 'certs' }] },
    },
    {
      name: 'cm',
      port: 444,
      protocol: 'HTTPS',
      tls: { mode: 'Terminate', certificateRefs: [{ kind: 'ConfigMap', name: 'cert' }] },
    },
  ];
  assert.deepEqual(gateways(convertGatewayApi([gateway(listeners)], 'd')), [], 'no secret: not programmed');
  const certs = [secret('cert', 'certs'), secret('cert')];
  assert.deepEqual(gateways(convertGatewayApi([gateway(listeners), ...certs], 'd')), [], 'no grant');
  const wrongName = convertGatewayApi(
    [gateway(listeners), ...certs, grant('g', 'certs', 'Gateway', 'default', 'Secret', 'x')],
    'd',
  );
  assert.deepEqual(gateways(wrongName), [], 'the grant names another secret');
  const granted = gateways(
    convertGatewayApi(
      [gateway(listeners), ...certs, grant('g', 'certs', 'Gateway', 'default', 'Secret', 'cert')],
      'd',
    ),
  );
  assert.deepEqual(
    granted.map((g) => g.spec.servers[0].tls?.credentialName),
    ['kubernetes-gateway://certs/cert'],
  );
});

test('GRPCRoute: method matches become gRPC paths; weights, headers and filters carry over', () => {
  const route = res<GRPCRouteSpec>('GRPCRoute', 'grpc', {
    parentRefs: [{ name: 'gw' }],
    hostnames: ['grpc.example.com'],
    rules: [
      {
        matches: [{ method: { type: 'Exact', service: 'pkg.Echo', method: 'Say' } }],
        backendRefs: [
          { group: '', kind: 'Service', name: 'v1', port: 50051, weight: 80 },
          { group: '', kind: 'Service', name: 'v2', port: 50051, weight: 20 },
        ],
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }] } },
        ],
      },
      {
        matches: [
          {
            method: { type: 'Exact', service: 'pkg.Echo' },
            headers: [{ type: 'Exact', name: 'X-Env', value: 'canary' }],
          },
          { method: { type: 'Exact', method: 'Ping' } },
          { method: { type: 'RegularExpression', service: 'pkg\\..*' } },
        ],
        backendRefs: [{ group: '', kind: 'Service', name: 'v2', port: 50051, weight: 1 }],
      },
      { backendRefs: [{ group: '', kind: 'Service', name: 'v1', port: 50051, weight: 1 }] },
    ],
  });
  const [vs] = vss(
    convertGatewayApi([gateway([{ name: 'http', port: 80, protocol: 'HTTP' }]), route], 'cluster.local'),
  );
  assert.deepEqual(vs.spec.hosts, ['grpc.example.com']);
  const http = vs.spec.http ?? [];
  assert.deepEqual(
    http.map((h) => [h.name, h.match?.[0].uri, h.match?.[0].headers]),
    [
      ['default.grpc.0.0', { exact: '/pkg.Echo/Say' }, undefined],
      // Longer paths first; a regex ranks with prefixes by its length (as for HTTPRoute).
      ['default.grpc.1.1', { regex: '/[^/]+/Ping' }, undefined],
      ['default.grpc.1.2', { regex: '/pkg\\..*/.+' }, undefined],
      ['default.grpc.1.0', { prefix: '/pkg.Echo/' }, { 'x-env': { exact: 'canary' } }],
      ['default.grpc.2.0', undefined, undefined],
    ],
  );
  assert.deepEqual(
    http[0].route?.map((d) => [d.destination.host, d.destination.port?.number, d.weight]),
    [
      ['v1.default.svc.cluster.local', 50051, 80],
      ['v2.default.svc.cluster.local', 50051, 20],
    ],
  );
  assert.deepEqual(http[0].headers, { request: { set: { 'x-a': '1' } } });
  assert.deepEqual(http[0].match?.[0].gateways, [key('http')]);
});

test('TLSRoute: SNI routes on a passthrough listener, hostnames narrowed by the listener; not on HTTP', () => {
  const route = res<TLSRouteSpec>(
    'TLSRoute',
    'secure',
    {
      parentRefs: [{ name: 'gw' }],
      hostnames: ['a.example.com', 'b.other.org'],
      rules: [{ backendRefs: [{ group: '', kind: 'Service', name: 'secure', port: 443, weight: 1 }] }],
    },
    'default',
    'v1alpha2',
  );
  const out = convertGatewayApi(
    [
      gateway([
        { name: 'pass', port: 443, protocol: 'TLS', hostname: '*.example.com', tls: { mode: 'Passthrough' } },
        { name: 'http', port: 80, protocol: 'HTTP' },
      ]),
      route,
    ],
    'cluster.local',
  );
  const [vs] = vss(out);
  assert.equal(vss(out).length, 1, 'an HTTP listener does not take TLSRoutes');
  assert.deepEqual(vs.spec.gateways, [key('pass')]);
  assert.deepEqual(vs.spec.hosts, ['a.example.com']);
  assert.deepEqual(vs.spec.tls, [
    {
      match: [{ sniHosts: ['a.example.com'] }],
      route: [
        { destination: { host: 'secure.default.svc.cluster.local', port: { number: 443 } }, weight: 1 },
      ],
    },
  ]);
});

test('TCPRoute: every connection of a TCP or TLS-terminating listener, weighted; refused backends dropped', () => {
  const route = res<TCPRouteSpec>(
    'TCPRoute',
    'db',
    {
      parentRefs: [{ name: 'gw', sectionName: 'tcp' }],
      rules: [
        {
          backendRefs: [
            { group: '', kind: 'Service', name: 'db', port: 5432, weight: 3 },
            { group: '', kind: 'Service', name: 'db', namespace: 'other', port: 5432, weight: 1 },
          ],
        },
      ],
    },
    'default',
    'v1alpha2',
  );
  const listeners: KubeGatewaySpec['listeners'] = [{ name: 'tcp', port: 9000, protocol: 'TCP' }];
  const [vs] = vss(convertGatewayApi([gateway(listeners), route], 'cluster.local'));
  assert.deepEqual(vs.spec.hosts, ['*']);
  assert.deepEqual(vs.spec.gateways, [key('tcp')]);
  assert.deepEqual(
    vs.spec.tcp?.[0].route?.map((d) => [d.destination.host, d.weight]),
    [['db.default.svc.cluster.local', 3]],
    'other/db needs a ReferenceGrant',
  );
  const [granted] = vss(
    convertGatewayApi(
      [gateway(listeners), route, grant('g', 'other', 'TCPRoute', 'default', 'Service')],
      'cluster.local',
    ),
  );
  assert.deepEqual(
    granted.spec.tcp?.[0].route?.map((d) => [d.destination.host, d.weight]),
    [
      ['db.default.svc.cluster.local', 3],
      ['db.other.svc.cluster.local', 1],
    ],
  );
});

test('HTTPRoute: a cross-namespace backend without a grant answers 500; a grant for another kind does not help', () => {
  const route = res('HTTPRoute', 'r', {
    parentRefs: [{ name: 'gw' }],
    rules: [
      { backendRefs: [{ group: '', kind: 'Service', name: 'svc', namespace: 'other', port: 80, weight: 1 }] },
    ],
  });
  const listeners: KubeGatewaySpec['listeners'] = [{ name: 'http', port: 80, protocol: 'HTTP' }];
  const http = (extra: Resource[]) =>
    vss(convertGatewayApi([gateway(listeners), route, ...extra], 'cluster.local'))[0].spec.http ?? [];
  assert.deepEqual(http([])[0].directResponse, { status: 500 });
  assert.deepEqual(http([grant('g', 'other', 'TCPRoute', 'default', 'Service')])[0].directResponse, {
    status: 500,
  });
  assert.deepEqual(
    http([grant('g', 'other', 'HTTPRoute', 'default', 'Service', 'svc')])[0].route?.map(
      (d) => d.destination.host,
    ),
    ['svc.other.svc.cluster.local'],
  );
});
