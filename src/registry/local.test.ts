// Local registration: node metadata → registration, and leaving after the grace period, on virtual time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../common/clock.js';
import { LocalRegistry } from './local.js';
import { type LocalRegistration, registrationFromNode } from './node-metadata.js';

function registration(
  proxyId: string,
  labels: Record<string, string> = { app: 'reviews', version: 'v1' },
): LocalRegistration {
  return {
    proxyId,
    name: 'reviews-v1',
    namespace: 'default',
    labels,
    serviceAccount: 'reviews',
    addresses: ['127.0.0.1'],
    ports: { http: 19080 },
    locality: '',
  };
}

describe('registrationFromNode', () => {
  it('reads Istio metadata keys and the node locality', () => {
    const r = registrationFromNode({
      id: 'sidecar~127.0.0.1~reviews-v1-1.default~default.svc.cluster.local',
      metadata: {
        NAMESPACE: 'prod',
        WORKLOAD_NAME: 'reviews-v1',
        LABELS: { app: 'reviews', version: 'v1' },
        SERVICE_ACCOUNT: 'bookinfo-reviews',
        INSTANCE_IPS: '10.0.0.5, fd00::5',
        POD_PORTS: JSON.stringify([
          { name: 'http', containerPort: 9080, protocol: 'TCP' },
          { containerPort: 15090 },
        ]),
        NETWORK: 'net1',
      },
      locality: { region: 'eu', zone: 'eu-1a' },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      proxyId: 'sidecar~127.0.0.1~reviews-v1-1.default~default.svc.cluster.local',
      name: 'reviews-v1',
      namespace: 'prod',
      labels: { app: 'reviews', version: 'v1' },
      serviceAccount: 'bookinfo-reviews',
      addresses: ['10.0.0.5', 'fd00::5'],
      ports: { http: 9080 },
      locality: 'eu/eu-1a',
      network: 'net1',
    });
  });

  it('defaults a bare node to namespace default, 127.0.0.1, service account default and the app label', () => {
    const r = registrationFromNode({ id: 'p1', metadata: { LABELS: '{"app":"ratings"}' } });
    assert.ok(r.ok);
    assert.equal(r.value.namespace, 'default');
    assert.equal(r.value.name, 'ratings');
    assert.equal(r.value.serviceAccount, 'default');
    assert.deepEqual(r.value.addresses, ['127.0.0.1']);
  });

  it('reports malformed metadata with its key', () => {
    const r = registrationFromNode({
      id: 'p1',
      metadata: { LABELS: ['x'], POD_PORTS: [{ name: 'http', containerPort: 0 }] },
    });
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.errors.map((e) => e.path), [
      'metadata.LABELS',
      'metadata.POD_PORTS[0].containerPort',
    ]);
  });
});

describe('LocalRegistry', () => {
  it('adds on connect and removes only after the grace period once disconnected', () => {
    const timers = new VirtualClock();
    const local = new LocalRegistry({ clock: timers, graceMs: 5000 });
    let changes = 0;
    local.onChange(() => changes++);
    const disconnect = local.connect(registration('p1'));
    assert.equal(changes, 1);
    assert.deepEqual(
      local.instances().map((i) => [i.name, i.address, i.ports.http, i.tlsMode]),
      [['reviews-v1', '127.0.0.1', 19080, 'istio']],
    );
    disconnect();
    timers.advance(4999);
    assert.equal(local.instances().length, 1);
    timers.advance(1);
    assert.equal(local.instances().length, 0);
    assert.equal(changes, 2);
  });

  it('a reconnect within the grace period keeps the instance; a second connection keeps it while open', () => {
    const timers = new VirtualClock();
    const local = new LocalRegistry({ clock: timers, graceMs: 5000 });
    const first = local.connect(registration('p1'));
    first();
    timers.advance(3000);
    const second = local.connect(registration('p1'));
    timers.advance(10_000);
    assert.equal(local.instances().length, 1);
    // An overlapping stream: the old one closing must not start the removal while the new one is open.
    const third = local.connect(registration('p1'));
    second();
    timers.advance(10_000);
    assert.equal(local.instances().length, 1);
    third();
    third();
    timers.advance(5000);
    assert.equal(local.instances().length, 0);
    assert.equal(timers.pendingTimers, 0);
  });

  it('a reconnect with new labels updates the instance; an identical one is not a change', () => {
    const local = new LocalRegistry({ clock: new VirtualClock() });
    let changes = 0;
    local.onChange(() => changes++);
    local.connect(registration('p1'));
    local.connect(registration('p1'));
    assert.equal(changes, 1);
    local.connect(registration('p1', { app: 'reviews', version: 'v2' }));
    assert.equal(changes, 2);
    assert.equal(local.instances()[0].labels.version, 'v2');
  });
});
