// Simulation: Gateway servers with TLS → the gateway's listeners as the proxy decodes them: one SNI-matched
// chain per terminating server with its TLS context (Istio's file-cert/file-root SDS names for files,
// kubernetes:// for credentialName, left out while its Secret is missing; ISTIO_MUTUAL), Istio's
// `https.<port>.<name>.<gw>.<ns>` route configs, PASSTHROUGH chains from `tls` routes, plain text beside
// TLS on one port, TCP servers, and the defaults (mode PASSTHROUGH, TLS 1.2 minimum).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import { TranslateContext } from '../../src/controlplane/translate/context.js';
import { listenersFor } from '../../src/controlplane/translate/listener/index.js';
import { routeConfigByName } from '../../src/controlplane/translate/route/route-config.js';
import { ListenerSchema } from '../../src/generated/envoy/config/listener/v3/listener_pb.js';
import type { Listener } from '../../src/proxy/config/listener.js';
import { decodeListener } from '../../src/proxy/xds-client/decode-listener.js';
import { selfSignedCert } from '../helpers/certs.js';
import { decodeErrors } from './decode-all.js';
import { snapshotFromYaml } from './registry-yaml.js';

const SERVICES = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: web, namespace: default }
spec:
  hosts: [web.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints: [{ address: 10.0.0.1 }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: db, namespace: default }
spec:
  hosts: [db.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 5432, name: tcp, protocol: TCP }]
  endpoints: [{ address: 10.0.0.2 }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: secure, namespace: default }
spec:
  hosts: [a.secure.example.com, b.secure.example.com]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 443, name: tls, protocol: TLS }]
  endpoints: [{ address: 10.0.0.3 }]
---
`;

const GATEWAY = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https-a, protocol: HTTPS }
    hosts: [default/shop.example.com]
    tls: { mode: SIMPLE, serverCertificate: /certs/shop.pem, privateKey: /certs/shop.key, minProtocolVersion: TLSV1_0 }
  - port: { number: 443, name: https-b, protocol: HTTPS }
    hosts: [partner.example.com]
    tls: { mode: MUTUAL, serverCertificate: /certs/p.pem, privateKey: /certs/p.key, caCertificates: /certs/ca.pem, subjectAltNames: [client.partner] }
  - port: { number: 443, name: https-c, protocol: HTTPS }
    hosts: [kube.example.com]
    tls: { mode: OPTIONAL_MUTUAL, credentialName: kube-cert }
  - port: { number: 443, name: https-mesh, protocol: HTTPS }
    hosts: [mesh.example.com]
    tls: { mode: ISTIO_MUTUAL }
  - port: { number: 443, name: http-plain, protocol: HTTP }
    hosts: [shop.example.com]
  - port: { number: 8443, name: tls-pass, protocol: TLS }
    hosts: ["*.secure.example.com"]
    tls: { mode: PASSTHROUGH }
  - port: { number: 9443, name: https-any, protocol: HTTPS }
    hosts: ["*"]
    tls: { mode: SIMPLE, serverCertificate: /certs/any.pem, privateKey: /certs/any.key }
  - port: { number: 9444, name: https-nomode, protocol: HTTPS }
    hosts: [a.secure.example.com]
    tls: {}
  - port: { number: 5432, name: tcp, protocol: TCP }
    hosts: [db.internal]
  - port: { number: 6443, name: tls-db, protocol: TLS }
    hosts: [db.internal]
    tls: { mode: SIMPLE, serverCertificate: /certs/any.pem, privateKey: /certs/any.key }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: default }
spec:
  hosts: [shop.example.com, partner.example.com, kube.example.com, mesh.example.com, "*.any.example.com"]
  gateways: [edge]
  http:
  - route: [{ destination: { host: web.internal } }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: secure, namespace: default }
spec:
  hosts: [a.secure.example.com, b.secure.example.com]
  gateways: [edge]
  tls:
  - match: [{ sniHosts: [a.secure.example.com] }]
    route: [{ destination: { host: a.secure.example.com, port: { number: 443 } } }]
  - match: [{ sniHosts: [b.secure.example.com], port: 8443 }]
    route:
    - { destination: { host: b.secure.example.com, port: { number: 443 } }, weight: 80 }
    - { destination: { host: a.secure.example.com, port: { number: 443 } }, weight: 20 }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: db, namespace: default }
spec:
  hosts: [db.internal]
  gateways: [edge]
  tcp:
  - match: [{ port: 5432 }]
    route: [{ destination: { host: db.internal, port: { number: 5432 } } }]
  - match: [{ port: 6443 }]
    route: [{ destination: { host: db.internal, port: { number: 5432 } } }]
`;

const ingress = () =>
  proxyFromNode('router~10.0.9.9~ingressgateway-1.istio-system~istio-system.svc.cluster.local', {
    LABELS: { istio: 'ingressgateway' },
    TRELLIS_GATEWAY_ADDRESS: '127.0.0.1',
  });

const files: Record<string, string> = {
  '/certs/shop.pem': 'SHOP CERT',
  '/certs/shop.key': 'SHOP KEY',
  '/certs/p.pem': 'P CERT',
  '/certs/p.key': 'P KEY',
  '/certs/ca.pem': 'CA',
  '/certs/any.pem': 'ANY CERT',
  '/certs/any.key': 'ANY KEY',
};

/** The Secret behind `credentialName: kube-cert`, in the gateway's namespace (istio-system). */
function kubeCertSecret(): string {
  const { cert, key } = selfSignedCert('kube.example.com');
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  return `---
apiVersion: v1
kind: Secret
metadata: { name: kube-cert, namespace: istio-system }
type: kubernetes.io/tls
data: { tls.crt: ${b64(cert)}, tls.key: ${b64(key)}, ca.crt: ${b64(cert)} }
`;
}

const KUBE_CERT_SECRET = kubeCertSecret();

function decoded(): { listeners: Map<string, Listener>; ctx: TranslateContext } {
  const snap = snapshotFromYaml(SERVICES + GATEWAY + KUBE_CERT_SECRET);
  const ctx = new TranslateContext(snap, ingress());
  const listeners = new Map<string, Listener>();
  for (const l of listenersFor(ctx)) {
    const r = decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, l)), {
      readFile: (p) => {
        const v = files[p];
        if (v === undefined) throw new Error('no such file');
        return v;
      },
    });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    listeners.set(l.name, r.value);
  }
  return { listeners, ctx };
}

const chain = (l: Listener | undefined, name: string) => {
  const c = l?.filterChains.find((x) => x.name === name);
  assert.ok(c, `chain ${name} in ${l?.filterChains.map((x) => x.name).join(', ')}`);
  return c;
};

test('one SNI-matched chain per terminating HTTPS server, with its own route config and TLS context', () => {
  const { listeners } = decoded();
  const l = listeners.get('0.0.0.0_443');
  assert.equal(l?.address.port, 443);
  assert.ok(l?.listenerFilters.includes('envoy.filters.listener.tls_inspector'));

  const simple = chain(l, 'https.443.https-a.edge.default');
  assert.deepEqual(simple.match.serverNames, ['shop.example.com']);
  assert.equal(simple.match.transportProtocol, 'tls');
  assert.deepEqual(simple.tls?.common.certificates, [
    { kind: 'sds', name: 'file-cert:/certs/shop.pem~/certs/shop.key' },
  ]);
  assert.equal(simple.tls?.requireClientCertificate, false);
  assert.equal(simple.tls?.common.validation, undefined);
  assert.equal(simple.tls?.common.minVersion, 'TLSv1_2', 'TLS 1.0 is raised to 1.2');
  assert.deepEqual(simple.tls?.common.alpnProtocols, ['h2', 'http/1.1']);
  assert.equal(simple.filter.kind, 'http');
  assert.deepEqual(simple.filter.kind === 'http' && simple.filter.routes, {
    kind: 'rds',
    name: 'https.443.https-a.edge.default',
  });

  const mutual = chain(l, 'https.443.https-b.edge.default');
  assert.deepEqual(mutual.match.serverNames, ['partner.example.com']);
  assert.equal(mutual.tls?.requireClientCertificate, true);
  assert.deepEqual(mutual.tls?.common.validation, {
    kind: 'sds',
    name: 'file-root:/certs/ca.pem',
    matchSubjectAltNames: ['URI', 'DNS', 'EMAIL', 'IP_ADDRESS'].map((sanType) => ({
      sanType,
      kind: 'exact',
      value: 'client.partner',
    })),
  });

  const optional = chain(l, 'https.443.https-c.edge.default');
  assert.equal(optional.tls?.requireClientCertificate, false);
  assert.deepEqual(optional.tls?.common.certificates, [{ kind: 'sds', name: 'kubernetes://kube-cert' }]);
  assert.equal(optional.tls?.common.validation?.kind, 'sds');
  assert.equal(
    optional.tls?.common.validation?.kind === 'sds' && optional.tls.common.validation.name,
    'kubernetes://kube-cert-cacert',
  );

  const mesh = chain(l, 'https.443.https-mesh.edge.default');
  assert.deepEqual(mesh.tls?.common.certificates, [{ kind: 'sds', name: 'default' }]);
  assert.equal(mesh.tls?.requireClientCertificate, true);

  // The plain HTTP server on the same port takes what is not TLS.
  const plain = chain(l, '0.0.0.0_443');
  assert.equal(plain.match.transportProtocol, 'raw_buffer');
  assert.equal(plain.tls, undefined);
  assert.deepEqual(plain.filter.kind === 'http' && plain.filter.routes, { kind: 'rds', name: 'http.443' });
  // Istio's gateway default: the verified client certificate replaces any client-supplied XFCC.
  for (const c of [simple, mutual, plain]) {
    assert.equal(c.filter.kind === 'http' && c.filter.forwardClientCertDetails, 'SANITIZE_SET');
  }
});

test('an HTTPS server route config carries only the hosts its server admits', () => {
  const { ctx } = decoded();
  const rc = routeConfigByName(ctx, 'https.443.https-a.edge.default');
  assert.deepEqual(
    rc?.virtualHosts.map((v) => v.domains),
    [['shop.example.com', 'shop.example.com:443']],
  );
  assert.equal(rc?.virtualHosts[0].routes[0].action.case, 'route');
  assert.equal(routeConfigByName(ctx, 'https.443.nope.edge.default'), undefined);
});

test('a server for any host (`*`) matches every SNI, and clients sending none', () => {
  const { listeners } = decoded();
  const any = chain(listeners.get('0.0.0.0_9443'), 'https.9443.https-any.edge.default');
  assert.deepEqual(any.match.serverNames, []);
});

test('PASSTHROUGH: a chain per tls route, SNI from the route within the server hosts, TCP to the route', () => {
  const { listeners } = decoded();
  const l = listeners.get('0.0.0.0_8443');
  assert.equal(l?.filterChains.length, 2);
  const [a, b] = l?.filterChains ?? [];
  assert.deepEqual(a.match.serverNames, ['a.secure.example.com']);
  assert.equal(a.tls, undefined, 'TLS passes through untouched');
  assert.deepEqual(a.filter.kind === 'tcp' && a.filter.target, {
    kind: 'cluster',
    name: 'outbound|443||a.secure.example.com',
  });
  assert.deepEqual(b.match.serverNames, ['b.secure.example.com']);
  assert.deepEqual(b.filter.kind === 'tcp' && b.filter.target, {
    kind: 'weighted',
    clusters: [
      { name: 'outbound|443||b.secure.example.com', weight: 80 },
      { name: 'outbound|443||a.secure.example.com', weight: 20 },
    ],
  });
});

test('HTTPS without a mode is PASSTHROUGH (Istio’s default); a tls route whose port differs is not used', () => {
  const { listeners } = decoded();
  const l = listeners.get('0.0.0.0_9444');
  // The route for a.secure.example.com has no port: it applies here too; b's is for 8443 only.
  assert.deepEqual(
    l?.filterChains.map((c) => [c.match.serverNames, c.tls === undefined]),
    [[['a.secure.example.com'], true]],
  );
});

test('TCP servers forward with the bound VirtualService tcp route', () => {
  const { listeners } = decoded();
  const l = listeners.get('0.0.0.0_5432');
  assert.equal(l?.filterChains.length, 1);
  const c = l?.filterChains[0];
  assert.deepEqual(c?.filter.kind === 'tcp' && c.filter.target, {
    kind: 'cluster',
    name: 'outbound|5432||db.internal',
  });
  assert.deepEqual(l?.listenerFilters, []);
});

test('TLS servers that terminate forward the decrypted stream with the tcp route', () => {
  const { listeners } = decoded();
  const l = listeners.get('0.0.0.0_6443');
  const c = chain(l, 'https.6443.tls-db.edge.default');
  assert.deepEqual(c.match.serverNames, ['db.internal']);
  assert.deepEqual(c.tls?.common.certificates, [
    { kind: 'sds', name: 'file-cert:/certs/any.pem~/certs/any.key' },
  ]);
  assert.deepEqual(c.tls?.common.alpnProtocols, [], 'no HTTP ALPN on a TCP chain');
  assert.deepEqual(c.filter.kind === 'tcp' && c.filter.target, {
    kind: 'cluster',
    name: 'outbound|5432||db.internal',
  });
});

test('everything the gateway receives decodes without a NACK', () => {
  const snap = snapshotFromYaml(SERVICES + GATEWAY);
  assert.deepEqual(decodeErrors(snap, ingress()), []);
});
