// Unit tests: the status Istio writes on Gateway API resources — GatewayClass Accepted, Gateway listeners
// (attachedRoutes, supportedKinds, InvalidCertificateRef, RefNotPermitted, InvalidRouteKinds, UnsupportedProtocol)
// and route parents (NotAllowedByListeners, NoMatchingParent, NoMatchingListenerHostname, RefNotPermitted,
// BackendNotFound).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeGatewaySpec } from '../../api/index.js';
import type { Resource } from '../../api/resource.js';
import { analyzeGatewayApi } from './gateway-api.js';
import type { Condition } from './gateway-api-listeners.js';
import type { GatewayStatus, RouteStatus } from './gateway-api-status.js';

const res = <S>(kind: string, name: string, spec: S, ns = 'default', version = 'v1'): Resource<S> => ({
  apiVersion: `gateway.networking.k8s.io/${version}`,
  kind,
  metadata: { name, namespace: ns, labels: {}, annotations: {} },
  spec,
  source: { file: 'test.yaml', line: 1 },
});

const GW = 'gateway.networking.k8s.io';
const cond = (conds: Condition[], type: string) => {
  const c = conds.find((x) => x.type === type);
  return c ? `${c.status} ${c.reason}: ${c.message}` : 'missing';
};

const gateway = res<KubeGatewaySpec>('Gateway', 'gw', {
  gatewayClassName: 'istio',
  listeners: [
    { name: 'http', port: 80, protocol: 'HTTP', hostname: '*.example.com' },
    {
      name: 'https',
      port: 443,
      protocol: 'HTTPS',
      tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert', namespace: 'certs' }] },
    },
    { name: 'pass', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
    {
      name: 'tcp',
      port: 9000,
      protocol: 'TCP',
      allowedRoutes: { kinds: [{ kind: 'TCPRoute' }, { kind: 'HTTPRoute' }] },
    },
    { name: 'udp', port: 53, protocol: 'UDP' },
    {
      name: 'nocert',
      port: 444,
      protocol: 'HTTPS',
      hostname: 'none.example.com',
      tls: { mode: 'Terminate', certificateRefs: [{ name: 'absent' }] },
    },
  ],
});

/** A Secret as the store holds it (its bytes are not needed here). */
const secret: Resource = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'cert', namespace: 'certs', labels: {}, annotations: {} },
  spec: { type: 'kubernetes.io/tls', data: {}, sha256: '0' },
  source: { file: 'test.yaml', line: 1 },
};

const backend = (name: string, namespace?: string) => ({
  group: '',
  kind: 'Service',
  name,
  port: 80,
  weight: 1,
  ...(namespace ? { namespace } : {}),
});

const configs: Resource[] = [
  res('GatewayClass', 'istio', { controllerName: 'istio.io/gateway-controller' }, ''),
  res('GatewayClass', 'other', { controllerName: 'example.com/other' }, ''),
  gateway,
  secret,
  // Attaches to the HTTP and HTTPS listeners (hostnames intersect); its backend exists.
  res('HTTPRoute', 'web', {
    parentRefs: [{ name: 'gw' }],
    hostnames: ['a.example.com'],
    rules: [{ backendRefs: [backend('web')] }],
  }),
  // A cross-namespace backend without a ReferenceGrant, and one that does not exist.
  res('HTTPRoute', 'refused', {
    parentRefs: [{ name: 'gw', sectionName: 'http' }],
    rules: [{ backendRefs: [backend('db', 'other')] }],
  }),
  res('HTTPRoute', 'missing', {
    parentRefs: [{ name: 'gw', sectionName: 'http' }],
    rules: [{ backendRefs: [backend('nope')] }],
  }),
  // From another namespace (listeners allow Same), to a section that does not exist, to no such Gateway.
  res('HTTPRoute', 'foreign', { parentRefs: [{ name: 'gw', namespace: 'default' }] }, 'team'),
  res('HTTPRoute', 'nosection', { parentRefs: [{ name: 'gw', sectionName: 'nope' }] }),
  res('HTTPRoute', 'nogateway', { parentRefs: [{ name: 'ghost' }] }),
  res('HTTPRoute', 'nohost', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['x.org'] }),
  res(
    'TCPRoute',
    'db',
    { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [backend('web')] }] },
    'default',
    'v1alpha2',
  ),
];

const analyzed = analyzeGatewayApi(configs, 'cluster.local', {
  serviceExists: (h) => h === 'web.default.svc.cluster.local' || h === 'db.other.svc.cluster.local',
});
const status = (kind: string, name: string, ns = 'default') =>
  analyzed.status.get(`${GW}/${kind}|${ns}|${name}`);

test('GatewayClass: ours Accepted, another controller’s untouched', () => {
  const own = status('GatewayClass', 'istio', '') as { conditions: Condition[] };
  assert.equal(cond(own.conditions, 'Accepted'), 'True Accepted: Handled by Trellis controller');
  assert.equal(status('GatewayClass', 'other', ''), undefined);
});

test('Gateway: Accepted and Programmed, listener conditions and attachedRoutes', () => {
  const gw = status('Gateway', 'gw') as GatewayStatus;
  assert.equal(cond(gw.conditions, 'Accepted'), 'True Accepted: Resource accepted');
  assert.equal(cond(gw.conditions, 'Programmed'), 'True Programmed: Resource programmed');
  const byName = new Map(gw.listeners.map((l) => [l.name, l]));
  const http = byName.get('http');
  assert.equal(http?.attachedRoutes, 3, 'web, refused and missing (nohost and nosection did not attach)');
  assert.deepEqual(http?.supportedKinds, [
    { group: GW, kind: 'HTTPRoute' },
    { group: GW, kind: 'GRPCRoute' },
  ]);
  assert.equal(cond(http?.conditions ?? [], 'Programmed'), 'True Programmed: No errors found');
  assert.equal(cond(http?.conditions ?? [], 'Conflicted'), 'False NoConflicts: No errors found');
  const https = byName.get('https');
  assert.match(
    cond(https?.conditions ?? [], 'ResolvedRefs'),
    /^False RefNotPermitted: certificateRef cert\/certs not accessible/,
  );
  assert.equal(cond(https?.conditions ?? [], 'Programmed'), 'False Invalid: Bad TLS configuration');
  assert.deepEqual(byName.get('pass')?.supportedKinds, [{ group: GW, kind: 'TLSRoute' }]);
  const tcp = byName.get('tcp');
  assert.equal(tcp?.attachedRoutes, 1);
  assert.equal(cond(tcp?.conditions ?? [], 'ResolvedRefs'), 'False InvalidRouteKinds: Invalid route kinds');
  assert.match(
    cond(byName.get('udp')?.conditions ?? [], 'Accepted'),
    /^False UnsupportedProtocol: protocol "UDP"/,
  );
  // Listeners that failed are not converted.
  const converted = analyzed.resources.filter((r) => r.kind === 'Gateway').map((r) => r.metadata.name);
  assert.deepEqual(
    converted.map((n) => n.replace('gw-istio-autogenerated-k8s-gateway-', '')),
    ['http', 'pass', 'tcp'],
  );
});

test('routes: accepted and resolved, refused references, and why a parent did not take them', () => {
  const parent = (name: string, ns = 'default') => (status('HTTPRoute', name, ns) as RouteStatus).parents;
  const [web] = parent('web');
  assert.deepEqual(web.parentRef, { group: GW, kind: 'Gateway', name: 'gw' });
  assert.equal(web.controllerName, 'istio.io/gateway-controller');
  assert.equal(cond(web.conditions, 'Accepted'), 'True Accepted: Route was valid, bound to 2 parents');
  assert.equal(cond(web.conditions, 'ResolvedRefs'), 'True ResolvedRefs: All references resolved');
  const [refused] = parent('refused');
  assert.equal(cond(refused.conditions, 'Accepted'), 'True Accepted: Route was valid');
  assert.equal(
    cond(refused.conditions, 'ResolvedRefs'),
    'False RefNotPermitted: backendRef db/other not accessible to a HTTPRoute in namespace "default" (missing a ReferenceGrant?)',
  );
  assert.equal(
    cond(parent('missing')[0].conditions, 'ResolvedRefs'),
    'False BackendNotFound: backend(nope.default.svc.cluster.local) not found',
  );
  assert.match(
    cond(parent('foreign', 'team')[0].conditions, 'Accepted'),
    /^False NotAllowedByListeners: hostnames matched parent hostname "\*\.example\.com", but namespace "team" is not allowed by the parent; /,
  );
  assert.equal(
    cond(parent('nosection')[0].conditions, 'Accepted'),
    'False NoMatchingParent: sectionName "nope" not found',
  );
  assert.equal(
    cond(parent('nogateway')[0].conditions, 'Accepted'),
    'False NoMatchingParent: parent not found',
  );
  assert.equal(
    cond(parent('nohost')[0].conditions, 'Accepted'),
    'False NoMatchingListenerHostname: no hostnames matched parent hostname "*.example.com"',
  );
  const tcp = (status('TCPRoute', 'db') as RouteStatus).parents[0];
  assert.equal(cond(tcp.conditions, 'Accepted'), 'True Accepted: Route was valid');
});
