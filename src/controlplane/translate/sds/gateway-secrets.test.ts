// SDS of Kubernetes Secrets: served to gateways of the Secret's namespace only, Istio's resource names and
// CA lookup, and a Gateway server whose credential is missing left out (logged once) while others serve.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { selfSignedCert } from '../../../../test/helpers/certs.js';
import { snapshotFromYaml } from '../../../../test/simulation/registry-yaml.js';
import { SecretSchema } from '../../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { proxyFromNode } from '../../model/proxy.js';
import { TranslateContext } from '../context.js';
import { listenersFor } from '../listener/index.js';
import { parseCredentialResource } from './credential-names.js';
import { secretsFor, setMissingCredentialLog } from './gateway-secrets.js';

const shop = selfSignedCert('shop.example.com');
const ca = selfSignedCert('client-ca');
const b64 = (s: string) => Buffer.from(s).toString('base64');

const SECRETS = `
apiVersion: v1
kind: Secret
metadata: { name: shop-cred, namespace: istio-system }
type: kubernetes.io/tls
data: { tls.crt: ${b64(shop.cert)}, tls.key: ${b64(shop.key)} }
---
apiVersion: v1
kind: Secret
metadata: { name: shop-cred-cacert, namespace: istio-system }
data: { cacert: ${b64(ca.cert)} }
---
apiVersion: v1
kind: Secret
metadata: { name: elsewhere, namespace: apps }
data: { cert: ${b64(shop.cert)}, key: ${b64(shop.key)} }
`;

const GATEWAY = `
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: edge, namespace: default }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 443, name: https-shop, protocol: HTTPS }
    hosts: [shop.example.com]
    tls: { mode: MUTUAL, credentialName: shop-cred }
  - port: { number: 443, name: https-gone, protocol: HTTPS }
    hosts: [gone.example.com]
    tls: { mode: SIMPLE, credentialName: gone-cred }
  - port: { number: 443, name: https-other-ns, protocol: HTTPS }
    hosts: [other.example.com]
    tls: { mode: SIMPLE, credentialName: apps/elsewhere }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: default }
spec:
  hosts: ["*.example.com"]
  gateways: [edge]
  http: [{ route: [{ destination: { host: web.default.svc.cluster.local } }] }]
`;

const gateway = (ns = 'istio-system') =>
  proxyFromNode(`router~10.0.9.9~ingressgateway-1.${ns}~${ns}.svc.cluster.local`, {
    LABELS: { istio: 'ingressgateway' },
  });
const sidecar = () => proxyFromNode('sidecar~10.0.0.5~web-1.istio-system~istio-system.svc.cluster.local', {});

test('resource names: bare names resolve in the proxy namespace, ns/name and kubernetes-gateway:// as written', () => {
  assert.deepEqual(parseCredentialResource('kubernetes://a', 'gw'), {
    namespace: 'gw',
    name: 'a',
    ca: false,
    crossNamespaceAllowed: false,
  });
  assert.deepEqual(parseCredentialResource('kubernetes://x/a-cacert', 'gw'), {
    namespace: 'x',
    name: 'a',
    ca: true,
    crossNamespaceAllowed: false,
  });
  assert.equal(parseCredentialResource('kubernetes-gateway://x/a', 'gw')?.crossNamespaceAllowed, true);
  assert.equal(parseCredentialResource('default', 'gw'), undefined);
});

test('a gateway gets its namespace’s secrets: certificate and key, and the CA from <name>-cacert', () => {
  const snap = snapshotFromYaml(SECRETS + GATEWAY);
  const ctx = new TranslateContext(snap, gateway());
  const out = secretsFor(ctx, [
    'kubernetes://shop-cred',
    'kubernetes://shop-cred-cacert',
    'kubernetes://nope',
  ]);
  assert.deepEqual(
    out.map((r) => r.name),
    ['kubernetes://shop-cred', 'kubernetes://shop-cred-cacert'],
  );
  const cert = anyUnpack(out[0].resource, SecretSchema);
  assert.equal(cert?.type.case, 'tlsCertificate');
  const chain =
    cert?.type.case === 'tlsCertificate' ? cert.type.value.certificateChain?.specifier : undefined;
  assert.equal(chain?.case === 'inlineBytes' && Buffer.from(chain.value).toString(), shop.cert);
  const root = anyUnpack(out[1].resource, SecretSchema);
  const trusted = root?.type.case === 'validationContext' ? root.type.value.trustedCa?.specifier : undefined;
  assert.equal(trusted?.case === 'inlineBytes' && Buffer.from(trusted.value).toString(), ca.cert);
});

test('sidecars and gateways of other namespaces get nothing; kubernetes-gateway:// may cross namespaces', () => {
  const snap = snapshotFromYaml(SECRETS + GATEWAY);
  assert.deepEqual(secretsFor(new TranslateContext(snap, sidecar()), ['kubernetes://shop-cred']), []);
  assert.deepEqual(secretsFor(new TranslateContext(snap, gateway('apps')), ['kubernetes://shop-cred']), []);
  const gw = new TranslateContext(snap, gateway());
  assert.deepEqual(secretsFor(gw, ['kubernetes://apps/elsewhere']), []);
  assert.deepEqual(
    secretsFor(gw, ['kubernetes-gateway://apps/elsewhere']).map((r) => r.name),
    ['kubernetes-gateway://apps/elsewhere'],
  );
});

test('a server whose credential is missing or out of reach is left out and logged once; the others serve', () => {
  const lines: string[] = [];
  setMissingCredentialLog((l) => lines.push(l));
  const chainsOf = (yaml: string) => {
    const ctx = new TranslateContext(snapshotFromYaml(yaml), gateway());
    const l = listenersFor(ctx).find((x) => x.name === '0.0.0.0_443');
    return (l?.filterChains ?? []).map((c) => c.name);
  };
  assert.deepEqual(chainsOf(SECRETS + GATEWAY), ['https.443.https-shop.edge.default']);
  assert.deepEqual(chainsOf(SECRETS + GATEWAY), ['https.443.https-shop.edge.default']);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /https-gone.*credentialName "gone-cred": secret istio-system\/gone-cred not found/);
  assert.match(lines[1], /outside the gateway's namespace istio-system/);
  // Without its CA secret the MUTUAL server cannot verify clients: left out too.
  const noCa = SECRETS.replace('name: shop-cred-cacert', 'name: unrelated');
  assert.deepEqual(chainsOf(noCa + GATEWAY), []);
  assert.match(lines[2], /no CA certificate for istio-system\/shop-cred/);
  // The secret appears: the chain is back, and the log says so.
  const gone = selfSignedCert('gone.example.com');
  const more = `---
apiVersion: v1
kind: Secret
metadata: { name: gone-cred, namespace: istio-system }
stringData: { cert: ${JSON.stringify(gone.cert)}, key: ${JSON.stringify(gone.key)} }
`;
  assert.deepEqual(chainsOf(SECRETS + GATEWAY + more), [
    'https.443.https-shop.edge.default',
    'https.443.https-gone.edge.default',
  ]);
  assert.ok(lines.some((l) => /gone-cred" is served now/.test(l)));
});

test('a DestinationRule credentialName at a gateway (TLS origination) names secrets the generator serves', async () => {
  const { clustersFor } = await import('../cluster/index.js');
  const yaml = `${SECRETS}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ext, namespace: istio-system }
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{ number: 443, name: tls, protocol: TLS }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ext, namespace: istio-system }
spec:
  host: api.example.com
  trafficPolicy: { tls: { mode: MUTUAL, credentialName: shop-cred } }
`;
  const ctx = new TranslateContext(snapshotFromYaml(yaml), gateway());
  const cluster = clustersFor(ctx).find((c) => c.name === 'outbound|443||api.example.com');
  const socket = cluster?.transportSocket?.configType;
  const packed = socket?.case === 'typedConfig' ? Buffer.from(socket.value.value).toString('latin1') : '';
  const names = [...new Set([...packed.matchAll(/kubernetes:\/\/[\w.-]+/g)].map((m) => m[0]))].sort();
  assert.deepEqual(names, ['kubernetes://shop-cred', 'kubernetes://shop-cred-cacert']);
  assert.deepEqual(
    secretsFor(ctx, names).map((r) => r.name),
    names,
  );
});
