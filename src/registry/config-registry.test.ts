// The embedded registry end to end: YAML through src/api and a config store, plus proxies registering.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateText } from '../api/index.js';
import { VirtualClock } from '../common/clock.js';
import { FileConfigStore } from '../config/file-store.js';
import { MemoryConfigStore } from '../config/memory-store.js';
import { ConfigRegistry } from './config-registry.js';
import { LocalRegistry } from './local.js';
import type { RegistryChange } from './registry.js';
import { resolveInRegistry } from './registry.js';

async function setup(yaml: string, domain?: string) {
  const { resources, diagnostics } = validateText(yaml, 'test.yaml');
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const store = new MemoryConfigStore();
  await store.apply(resources);
  const timers = new VirtualClock();
  const local = new LocalRegistry({ clock: timers, graceMs: 1000 });
  const registry = new ConfigRegistry(store, local, domain ? { domain } : {});
  const changes: RegistryChange[] = [];
  registry.onChange((c) => changes.push(c));
  return { store, local, registry, timers, changes };
}

const endpoints = (eps: readonly { address: string; port: number }[]) =>
  eps.map((e) => `${e.address}:${e.port}`);

describe('ConfigRegistry', () => {
  it('ServiceEntry STATIC: one service per host, endpoints with per-port overrides, MESH_EXTERNAL by default', async () => {
    const { registry } = await setup(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: prod}
spec:
  hosts: [legacy.internal, legacy-alias.internal]
  addresses: [240.0.0.10]
  ports:
    - {number: 8080, name: http, protocol: HTTP}
    - {number: 5432, name: tcp-db, protocol: TCP, targetPort: 15432}
  resolution: STATIC
  subjectAltNames: [spiffe://legacy.internal/ns/prod/sa/legacy]
  endpoints:
    - {address: 10.1.0.1, labels: {version: v1}}
    - {address: 10.1.0.2, ports: {http: 18080}, labels: {version: v2}, locality: eu/eu-1a, weight: 3}
`);
    const svc = registry.service('legacy.internal');
    assert.ok(svc);
    assert.deepEqual(
      [svc.namespace, svc.meshExternal, svc.resolution, svc.addresses],
      ['prod', true, 'STATIC', ['240.0.0.10']],
    );
    assert.deepEqual(
      svc.ports.map((p) => [p.name, p.port, p.protocol]),
      [
        ['http', 8080, 'HTTP'],
        ['tcp-db', 5432, 'TCP'],
      ],
    );
    assert.deepEqual(svc.subjectAltNames, ['spiffe://legacy.internal/ns/prod/sa/legacy']);
    assert.ok(registry.service('legacy-alias.internal'));
    assert.deepEqual(endpoints(registry.instancesOf('legacy.internal', 8080)), [
      '10.1.0.1:8080',
      '10.1.0.2:18080',
    ]);
    assert.deepEqual(endpoints(registry.instancesOf('legacy.internal', 5432)), [
      '10.1.0.1:15432',
      '10.1.0.2:15432',
    ]);
    assert.deepEqual(endpoints(registry.instancesOf('legacy.internal', 8080, { version: 'v2' })), [
      '10.1.0.2:18080',
    ]);
    const v2 = registry.instancesOf('legacy.internal', 8080, { version: 'v2' })[0].instance;
    assert.deepEqual([v2.locality, v2.weight, v2.tlsMode], ['eu/eu-1a', 3, 'disabled']);
  });

  it('ServiceEntry DNS without endpoints resolves its own hosts; NONE has no endpoints; MESH_INTERNAL is internal', async () => {
    const { registry } = await setup(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external-api}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: anything-external}
spec:
  hosts: ["*.googleapis.com"]
  ports: [{number: 443, name: tls, protocol: TLS}]
  location: MESH_INTERNAL
  resolution: NONE
`);
    assert.deepEqual(endpoints(registry.instancesOf('api.example.com', 443)), ['api.example.com:443']);
    assert.equal(registry.service('api.example.com')?.resolution, 'DNS');
    const wildcard = registry.service('*.googleapis.com');
    assert.deepEqual([wildcard?.resolution, wildcard?.meshExternal], ['NONE', false]);
    assert.deepEqual(registry.instancesOf('*.googleapis.com', 443), []);
  });

  it('ServiceEntry workloadSelector picks WorkloadEntries of its namespace by labels', async () => {
    const { registry, store, changes } = await setup(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vm-details, namespace: bookinfo}
spec:
  hosts: [details.vm.internal]
  location: MESH_INTERNAL
  ports: [{number: 9080, name: http, protocol: HTTP}]
  resolution: STATIC
  workloadSelector: {labels: {app: details}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: details-vm-1, namespace: bookinfo}
spec:
  address: 192.168.1.10
  labels: {app: details, version: v1}
  serviceAccount: details
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: details-vm-2, namespace: bookinfo}
spec:
  address: 192.168.1.11
  ports: {http: 19080}
  labels: {app: details, version: v2}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: other-ns, namespace: default}
spec:
  address: 192.168.1.12
  labels: {app: details}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: other-app, namespace: bookinfo, labels: {app: details}}
spec:
  address: 192.168.1.13
  labels: {app: ratings}
`);
    assert.deepEqual(endpoints(registry.instancesOf('details.vm.internal', 9080)), [
      '192.168.1.10:9080',
      '192.168.1.11:19080',
    ]);
    const [vm1, vm2] = registry.instancesOf('details.vm.internal', 9080).map((e) => e.instance);
    assert.deepEqual([vm1.tlsMode, vm1.serviceAccount, vm2.tlsMode], ['istio', 'details', 'disabled']);
    assert.equal(registry.workloads().length, 4);
    // Deleting a WorkloadEntry is a registry change naming the host.
    await store.delete('WorkloadEntry', 'bookinfo', 'details-vm-2');
    assert.deepEqual(endpoints(registry.instancesOf('details.vm.internal', 9080)), ['192.168.1.10:9080']);
    assert.deepEqual(changes.at(-1)?.hostnames, ['details.vm.internal']);
  });

  it('Kubernetes Service: hostname under the configured domain, protocols from names, selects local workloads', async () => {
    const { registry, local, timers, changes } = await setup(
      `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports:
    - {name: http, port: 9080}
    - {name: grpc-admin, port: 9090, targetPort: admin}
    - {name: metrics, port: 15020, appProtocol: http}
`,
      'mesh.local',
    );
    const svc = registry.service('reviews.default.svc.mesh.local');
    assert.ok(svc);
    assert.deepEqual(
      svc.ports.map((p) => p.protocol),
      ['HTTP', 'GRPC', 'HTTP'],
    );
    assert.deepEqual(registry.instancesOf(svc.hostname, 9080), []);
    const leave = local.connect({
      proxyId: 'reviews-v1-a',
      name: 'reviews-v1',
      namespace: 'default',
      labels: { app: 'reviews', version: 'v1' },
      serviceAccount: 'reviews',
      addresses: ['127.0.0.1'],
      ports: { http: 19080, admin: 19090 },
      locality: '',
    });
    local.connect({
      proxyId: 'reviews-v2-a',
      name: 'reviews-v2',
      namespace: 'default',
      labels: { app: 'reviews', version: 'v2' },
      serviceAccount: 'reviews',
      addresses: ['127.0.0.1'],
      ports: { http: 29080 },
      locality: '',
    });
    assert.deepEqual(endpoints(registry.instancesOf(svc.hostname, 9080)), [
      '127.0.0.1:19080',
      '127.0.0.1:29080',
    ]);
    // Both registrations land in one rebuild and one change notification.
    assert.deepEqual(
      changes.map((c) => c.hostnames),
      [['reviews.default.svc.mesh.local']],
    );
    // targetPort names an instance port: v2 does not have one, so it does not serve that port.
    assert.deepEqual(endpoints(registry.instancesOf(svc.hostname, 9090)), ['127.0.0.1:19090']);
    assert.deepEqual(endpoints(registry.instancesOf(svc.hostname, 9080, { version: 'v2' })), [
      '127.0.0.1:29080',
    ]);
    leave();
    timers.advance(999);
    assert.equal(registry.instancesOf(svc.hostname, 9080).length, 2);
    timers.advance(1);
    assert.deepEqual(endpoints(registry.instancesOf(svc.hostname, 9080)), ['127.0.0.1:29080']);
    assert.equal(resolveInRegistry(registry, 'reviews', 'default', 'mesh.local'), svc.hostname);
    assert.equal(resolveInRegistry(registry, 'reviews.default', 'prod', 'mesh.local'), svc.hostname);
    assert.equal(resolveInRegistry(registry, 'example.com', 'default', 'mesh.local'), 'example.com');
  });

  it('a Kubernetes ExternalName Service is a DNS alias outside the mesh', async () => {
    const { registry } = await setup(`
apiVersion: v1
kind: Service
metadata: {name: payments, namespace: shop}
spec:
  type: ExternalName
  externalName: payments.example.com
  ports: [{name: https, port: 443}]
`);
    const svc = registry.service('payments.shop.svc.cluster.local');
    assert.deepEqual([svc?.resolution, svc?.meshExternal], ['DNS', true]);
    assert.deepEqual(endpoints(registry.instancesOf('payments.shop.svc.cluster.local', 443)), [
      'payments.example.com:443',
    ]);
  });

  it('a Mesh declaration becomes one service per declared service, selecting every version', async () => {
    const { registry, local } = await setup(`
apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata: {name: bookinfo}
spec:
  services:
    - name: reviews
      ports: [{name: http, port: 9080}]
      command: [node, reviews.js]
      versions: [{name: v1}, {name: v2}]
    - name: ratings
      namespace: backend
      ports: [{name: grpc-api, port: 9090}, {name: stats, port: 9100, protocol: TCP}]
      command: node ratings.js
`);
    assert.deepEqual(
      registry.services().map((s) => [s.hostname, s.ports.map((p) => p.protocol).join(',')]),
      [
        ['ratings.backend.svc.cluster.local', 'GRPC,TCP'],
        ['reviews.default.svc.cluster.local', 'HTTP'],
      ],
    );
    local.connect({
      proxyId: 'p1',
      name: 'reviews-v2',
      namespace: 'default',
      labels: { app: 'reviews', version: 'v2' },
      serviceAccount: 'reviews',
      addresses: ['127.0.0.1'],
      ports: { http: 41000 },
      locality: '',
    });
    assert.deepEqual(endpoints(registry.instancesOf('reviews.default.svc.cluster.local', 9080)), [
      '127.0.0.1:41000',
    ]);
    assert.deepEqual(registry.instancesOf('reviews.default.svc.cluster.local', 9080, { version: 'v1' }), []);
  });

  it('notifies once per burst of changes, at the end of the microtask, without any read', async () => {
    const { local, changes } = await setup(
      'apiVersion: v1\nkind: Service\nmetadata: {name: ratings}\nspec: {selector: {app: ratings}, ports: [{name: http, port: 9080}]}\n',
    );
    for (let i = 0; i < 5; i++) {
      local.connect({
        proxyId: `ratings-${i}`,
        name: 'ratings',
        namespace: 'default',
        labels: { app: 'ratings' },
        serviceAccount: 'ratings',
        addresses: [`10.0.0.${i + 1}`],
        ports: {},
        locality: '',
      });
    }
    assert.equal(changes.length, 0);
    await Promise.resolve();
    assert.deepEqual(changes, [{ revision: 1, hostnames: ['ratings.default.svc.cluster.local'] }]);
  });

  it('changes to kinds the registry does not read do not change it', async () => {
    const { store, registry, changes } = await setup(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external-api}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: DNS
`);
    const before = registry.revision;
    const { resources } = validateText(
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d}\nspec: {host: api.example.com}\n',
      'dr.yaml',
    );
    await store.apply(resources);
    assert.equal(registry.revision, before);
    assert.deepEqual(changes, []);
  });
});

describe('ConfigRegistry over a watched config directory', () => {
  it('an edit of a ServiceEntry file on disk reaches the registry as a change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trellis-registry-'));
    const entry = (ip: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: data}
spec:
  hosts: [db.internal]
  location: MESH_INTERNAL
  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]
  resolution: STATIC
  endpoints: [{address: ${ip}}]
`;
    await writeFile(join(dir, 'db.yaml'), entry('10.0.0.1'));
    const store = await FileConfigStore.open(dir, { debounceMs: 20 });
    const registry = new ConfigRegistry(store, new LocalRegistry({ clock: new VirtualClock() }));
    try {
      assert.deepEqual(endpoints(registry.instancesOf('db.internal', 5432)), ['10.0.0.1:5432']);
      const changed = new Promise<RegistryChange>((resolve) => registry.onChange(resolve));
      await writeFile(join(dir, 'db.yaml'), entry('10.0.0.2'));
      assert.deepEqual((await changed).hostnames, ['db.internal']);
      assert.deepEqual(endpoints(registry.instancesOf('db.internal', 5432)), ['10.0.0.2:5432']);
    } finally {
      registry.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
