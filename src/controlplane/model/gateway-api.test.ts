// Unit tests: Gateway API HTTPRoute → internal Gateway/VirtualService conversion (classes, listeners,
// attachment by sectionName and port, hostname intersection, backends and weights, the alternate selector).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatewaySpec, HTTPRouteSpec, KubeGatewaySpec, VirtualServiceSpec } from '../../api/index.js';
import type { ReferenceGrantSpec } from '../../api/kinds/reference-grant.js';
import type { Resource } from '../../api/resource.js';
import { alternateSelectorMatches, convertGatewayApi, internalGatewayName } from './gateway-api.js';

const res = <S>(kind: string, name: string, spec: S, ns = 'default'): Resource<S> => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind,
  metadata: { name, namespace: ns, labels: {}, annotations: {} },
  spec,
  source: { file: 'test.yaml', line: 1 },
});

const gateway = (className = 'istio') =>
  res<KubeGatewaySpec>('Gateway', 'gw', {
    gatewayClassName: className,
    listeners: [
      { name: 'a', port: 80, protocol: 'HTTP', hostname: '*.example.com' },
      { name: 'b', port: 8080, protocol: 'HTTP' },
      { name: 'udp', port: 53, protocol: 'UDP' },
    ],
  });

const route = (spec: Partial<HTTPRouteSpec>) =>
  res<HTTPRouteSpec>('HTTPRoute', 'r', {
    parentRefs: [{ name: 'gw' }],
    rules: [{ backendRefs: [{ group: '', kind: 'Service', name: 'svc', port: 80, weight: 1 }] }],
    ...spec,
  });

const grant = (fromKind: string, fromNs: string, toKind: string, name?: string): ReferenceGrantSpec => ({
  from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: fromNs }],
  to: [{ group: '', kind: toKind, ...(name ? { name } : {}) }],
});

const split = (out: Resource[]) => ({
  gateways: out.filter((r) => r.kind === 'Gateway') as Resource<GatewaySpec>[],
  vss: out.filter((r) => r.kind === 'VirtualService') as Resource<VirtualServiceSpec>[],
});

test('one internal Gateway per listener; other classes and unsupported protocols are skipped', () => {
  const { gateways } = split(convertGatewayApi([gateway()], 'cluster.local'));
  assert.deepEqual(
    gateways.map((g) => g.metadata.name),
    [internalGatewayName('gw', 'a'), internalGatewayName('gw', 'b')],
  );
  assert.deepEqual(gateways[0].spec.servers[0].hosts, ['*/*.example.com']);
  assert.deepEqual(gateways[0].spec.selector, { istio: 'ingressgateway' });
  assert.equal(gateways[0].apiVersion, 'networking.istio.io/v1');
  assert.ok(alternateSelectorMatches(gateways[0], { 'gateway.networking.k8s.io/gateway-name': 'gw' }));
  assert.ok(!alternateSelectorMatches(gateways[0], { 'gateway.networking.k8s.io/gateway-name': 'x' }));
  assert.deepEqual(convertGatewayApi([gateway('other'), route({})], 'cluster.local'), []);
});

test('sectionName and port pick listeners; hostnames are narrowed by the listener', () => {
  const bySection = split(
    convertGatewayApi(
      [gateway(), route({ parentRefs: [{ name: 'gw', sectionName: 'b' }], hostnames: ['x.org'] })],
      'cluster.local',
    ),
  ).vss;
  assert.equal(bySection.length, 1);
  assert.deepEqual(bySection[0].spec.gateways, [`default/${internalGatewayName('gw', 'b')}`]);
  assert.deepEqual(bySection[0].spec.hosts, ['x.org']);
  const byPort = split(
    convertGatewayApi([gateway(), route({ parentRefs: [{ name: 'gw', port: 80 }] })], 'd'),
  ).vss;
  assert.deepEqual(
    byPort.map((v) => v.spec.hosts),
    [['*.example.com']],
    'no route hostnames: the listener hostname',
  );
  const none = convertGatewayApi(
    [gateway(), route({ parentRefs: [{ name: 'gw', sectionName: 'a' }], hostnames: ['x.org'] })],
    'd',
  );
  assert.equal(split(none).vss.length, 0, 'x.org does not intersect *.example.com');
});

test('backends: Service FQDNs with weights, weight 0 dropped, none left answers 500', () => {
  const [vs] = split(
    convertGatewayApi(
      [
        gateway(),
        res('ReferenceGrant', 'allow', grant('HTTPRoute', 'default', 'Service'), 'other'),
        route({
          parentRefs: [{ name: 'gw', sectionName: 'b' }],
          rules: [
            {
              backendRefs: [
                { group: '', kind: 'Service', name: 'a', port: 80, weight: 3 },
                { group: '', kind: 'Service', name: 'b', namespace: 'other', port: 81, weight: 1 },
                { group: '', kind: 'Service', name: 'c', port: 80, weight: 0 },
                {
                  group: 'networking.istio.io',
                  kind: 'Hostname',
                  name: 'ext.example.org',
                  port: 443,
                  weight: 1,
                },
              ],
            },
            {
              matches: [{ path: { type: 'Exact', value: '/z' } }],
              backendRefs: [{ group: '', kind: 'Service', name: 'a', port: 80, weight: 0 }],
            },
          ],
        }),
      ],
      'cluster.local',
    ),
  ).vss;
  const [zero, weighted] = vs.spec.http ?? [];
  assert.deepEqual(zero.directResponse, { status: 500 });
  assert.deepEqual(
    weighted.route?.map((d) => [d.destination.host, d.destination.port?.number, d.weight]),
    [
      ['a.default.svc.cluster.local', 80, 3],
      ['b.other.svc.cluster.local', 81, 1],
      ['ext.example.org', 443, 1],
    ],
  );
  assert.deepEqual(weighted.match?.[0].gateways, [`default/${internalGatewayName('gw', 'b')}`]);
});

test('timeouts and retries carry over; a redirect rule keeps no backends', () => {
  const [vs] = split(
    convertGatewayApi(
      [
        gateway(),
        route({
          parentRefs: [{ name: 'gw', sectionName: 'b' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/a/' } }],
              backendRefs: [{ group: '', kind: 'Service', name: 'svc', port: 80, weight: 1 }],
              timeouts: { request: '10s', backendRequest: '2s' },
              retry: { attempts: 3, codes: [503, 504] },
            },
            {
              matches: [{ path: { type: 'Exact', value: '/old' } }],
              filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }],
              backendRefs: [{ group: '', kind: 'Service', name: 'svc', port: 80, weight: 1 }],
            },
          ],
        }),
      ],
      'cluster.local',
    ),
  ).vss;
  const http = vs.spec.http ?? [];
  const prefixed = http.filter((h) => h.name?.startsWith('default.r.0'));
  assert.deepEqual(
    prefixed.map((h) => h.match?.[0].uri),
    [{ exact: '/a' }, { prefix: '/a/' }],
    'PathPrefix /a/ is element-wise: /a exactly, or below /a/',
  );
  assert.equal(prefixed[0].timeout, '10s');
  assert.deepEqual(prefixed[0].retries, { attempts: 3, retryOn: '503,504', perTryTimeout: '2s' });
  const redirect = http.find((h) => h.name?.startsWith('default.r.1'));
  assert.deepEqual(redirect?.redirect, { redirectCode: 301, scheme: 'https' });
  assert.equal(redirect?.route, undefined);
});
