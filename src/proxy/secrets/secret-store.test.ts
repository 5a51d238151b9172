// The SDS secret store: local secrets win over ADS ones, objects are replaced (never mutated), listeners
// hear only names whose resolved secret changed, and the config dump shows static and dynamic secrets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StaticSecret } from '../config/bootstrap.js';
import { secretsConfigDump } from './config-dump.js';
import { SecretStore } from './secret-store.js';

const cert = (name: string, chain: string): StaticSecret => ({
  name,
  certificateChain: chain,
  privateKey: `key-${chain}`,
});
const roots = (pem: string): StaticSecret => ({ name: 'ROOTCA', trustedCa: pem });

test('set replaces objects, freezes them and announces only real changes', () => {
  const store = new SecretStore();
  const heard: string[][] = [];
  store.onChange((n) => heard.push(n));
  const input = cert('default', 'A');
  store.set([input, roots('R1')]);
  const first = store.get('default')!;
  assert.notEqual(first, input, 'the store keeps its own copy');
  assert.ok(Object.isFrozen(first));
  input.certificateChain = 'mutated';
  assert.equal(store.get('default')?.certificateChain, 'A', 'caller mutations do not leak in');
  store.set([cert('default', 'A'), roots('R1')]);
  assert.equal(store.get('default'), first, 'same content keeps the same object');
  store.set([cert('default', 'B'), roots('R1')]);
  assert.notEqual(store.get('default'), first);
  assert.equal(first.certificateChain, 'A', 'the old object is never mutated');
  assert.deepEqual(heard, [['default', 'ROOTCA'], ['default']]);
});

test('locally provisioned names win over ADS; deleting the local one reveals the ADS secret', () => {
  const store = new SecretStore();
  const heard: string[][] = [];
  store.onChange((n) => heard.push(n));
  store.setDynamic(new Map([['default', cert('default', 'ads-1')]]));
  assert.equal(store.get('default')?.certificateChain, 'ads-1');
  store.set([cert('default', 'local-1')]);
  assert.equal(store.get('default')?.certificateChain, 'local-1');
  store.setDynamic(new Map([['default', cert('default', 'ads-2')]]));
  assert.equal(
    store.get('default')?.certificateChain,
    'local-1',
    'an ADS update under a local name is hidden',
  );
  store.delete('default');
  assert.equal(store.get('default')?.certificateChain, 'ads-2');
  store.setDynamic(undefined);
  assert.equal(store.get('default'), undefined);
  assert.deepEqual(heard, [['default'], ['default'], ['default'], ['default']]);
});

test('the fallback lookup answers names neither layer holds; unsubscribe stops notifications', () => {
  const store = new SecretStore({ fallback: (n) => (n === 'old' ? cert('old', 'F') : undefined) });
  assert.equal(store.get('old')?.certificateChain, 'F');
  let calls = 0;
  const off = store.onChange(() => calls++);
  off();
  store.set([cert('x', 'X')]);
  assert.equal(calls, 0);
});

test('config dump: bootstrap secrets are static, provisioned ones dynamic with versions', () => {
  let now = 1_000;
  const store = new SecretStore({ static: [roots('R0')], now: () => now });
  store.set([cert('default', 'A')]);
  now = 2_000;
  store.set([cert('default', 'B')]);
  const section = secretsConfigDump(store);
  assert.equal(section.kind, 'secrets');
  if (section.kind !== 'secrets') return;
  assert.deepEqual(
    section.static.map((s) => [s.name, s.resource.validation_context]),
    [['ROOTCA', { trusted_ca: { inline_string: 'R0' } }]],
  );
  assert.equal(section.dynamic.length, 1);
  const d = section.dynamic[0];
  assert.equal(d.name, 'default');
  assert.equal(d.versionInfo, '2');
  assert.equal(d.lastUpdated, 2_000);
  assert.deepEqual(d.resource?.tls_certificate, {
    certificate_chain: { inline_string: 'B' },
    private_key: { inline_string: 'key-B' },
  });
});
