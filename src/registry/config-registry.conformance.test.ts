// Runs the ServiceRegistry conformance suite over the embedded registry, alone and inside an aggregate.
import { VirtualClock } from '../common/clock.js';
import { MemoryConfigStore } from '../config/memory-store.js';
import { AggregateRegistry } from './aggregate.js';
import { ConfigRegistry } from './config-registry.js';
import { type RegistryFixture, runServiceRegistryConformance } from './conformance.js';
import { LocalRegistry } from './local.js';

async function embedded(): Promise<RegistryFixture> {
  const store = new MemoryConfigStore();
  const timers = new VirtualClock();
  const graceMs = 1000;
  const local = new LocalRegistry({ clock: timers, graceMs });
  const registry = new ConfigRegistry(store, local, { domain: 'example.internal' });
  const leave = new Map<string, () => void>();
  return {
    registry,
    domain: 'example.internal',
    async addService(s) {
      const results = await store.apply([
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: s.name, namespace: s.namespace, labels: {}, annotations: {} },
          spec: { selector: s.selector, ports: s.ports },
          source: { file: 'conformance', line: 1 },
        },
      ]);
      if (results[0].action === 'rejected') throw new Error(JSON.stringify(results[0].diagnostics));
    },
    async removeService(namespace, name) {
      await store.delete('Service', namespace, name);
    },
    async addWorkload(w) {
      const disconnect = local.connect({
        proxyId: `${w.namespace}/${w.name}`,
        name: w.name,
        namespace: w.namespace,
        labels: w.labels,
        serviceAccount: w.serviceAccount,
        addresses: [w.address],
        ports: w.ports,
        locality: '',
      });
      leave.set(`${w.namespace}/${w.name}`, disconnect);
    },
    async removeWorkload(namespace, name) {
      leave.get(`${namespace}/${name}`)?.();
      timers.advance(graceMs);
    },
    async cleanup() {
      registry.close();
      local.close();
      await store.close();
    },
  };
}

runServiceRegistryConformance('embedded (config store + local registrations)', embedded);

// An aggregate of the embedded registry and an empty one must behave exactly like the embedded one alone.
runServiceRegistryConformance('aggregate of embedded + empty', async () => {
  const inner = await embedded();
  const empty = new ConfigRegistry(new MemoryConfigStore(), new LocalRegistry({ clock: new VirtualClock() }));
  const registry = new AggregateRegistry([empty, inner.registry]);
  return {
    ...inner,
    registry,
    async cleanup() {
      registry.close();
      empty.close();
      await inner.cleanup();
    },
  };
});
