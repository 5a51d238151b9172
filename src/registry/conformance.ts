// The shared ServiceRegistry conformance suite: the embedded registry runs it, etcd/Kubernetes ones will too.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Labels } from '../api/index.js';
import type { RegistryChange, ServiceRegistry } from './registry.js';

export interface ServiceDeclaration {
  name: string;
  namespace: string;
  ports: { name: string; port: number; targetPort?: number }[];
  selector: Labels;
}

export interface WorkloadDeclaration {
  name: string;
  namespace: string;
  address: string;
  labels: Labels;
  /** Named ports the workload listens on. */
  ports: Record<string, number>;
  serviceAccount: string;
}

/**
 * A registry plus the backend-specific ways to feed it (config resources and registrations for the embedded
 * one; Service and Pod objects for Kubernetes; keys for etcd). Each method resolves once the registry shows
 * the change.
 */
export interface RegistryFixture {
  registry: ServiceRegistry;
  /** The cluster domain the registry was made with. */
  domain: string;
  addService(service: ServiceDeclaration): Promise<void>;
  removeService(namespace: string, name: string): Promise<void>;
  addWorkload(workload: WorkloadDeclaration): Promise<void>;
  /** Removes a workload for good (for registrations: disconnected and past the grace period). */
  removeWorkload(namespace: string, name: string): Promise<void>;
  cleanup(): Promise<void>;
}

async function eventually(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const reviews: ServiceDeclaration = {
  name: 'reviews',
  namespace: 'default',
  ports: [
    { name: 'http', port: 9080 },
    { name: 'grpc-admin', port: 9090, targetPort: 9091 },
  ],
  selector: { app: 'reviews' },
};

function workload(
  name: string,
  version: string,
  address: string,
  namespace = 'default',
): WorkloadDeclaration {
  return {
    name,
    namespace,
    address,
    labels: { app: 'reviews', version },
    ports: { http: 9080 },
    serviceAccount: 'reviews',
  };
}

export function runServiceRegistryConformance(
  name: string,
  makeFixture: () => Promise<RegistryFixture>,
): void {
  describe(`ServiceRegistry conformance: ${name}`, () => {
    let fixture: RegistryFixture | undefined;
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });
    async function open(): Promise<RegistryFixture> {
      fixture = await makeFixture();
      return fixture;
    }
    const fqdn = (f: RegistryFixture, svc: string, ns: string) => `${svc}.${ns}.svc.${f.domain}`;

    it('a declared service has its FQDN and Istio protocols, and unknown hosts have nothing', async () => {
      const f = await open();
      await f.addService(reviews);
      const svc = f.registry.service(fqdn(f, 'reviews', 'default'));
      assert.ok(svc);
      assert.deepEqual(
        svc.ports.map((p) => [p.name, p.port, p.protocol]),
        [
          ['http', 9080, 'HTTP'],
          ['grpc-admin', 9090, 'GRPC'],
        ],
      );
      assert.equal(f.registry.service(fqdn(f, 'nope', 'default')), undefined);
      assert.deepEqual(f.registry.instancesOf(fqdn(f, 'nope', 'default'), 9080), []);
      assert.ok(Object.isFrozen(svc));
    });

    it('selects workloads of its namespace by labels; subsets filter by labels', async () => {
      const f = await open();
      await f.addService(reviews);
      await f.addWorkload(workload('reviews-v1', 'v1', '10.0.0.1'));
      await f.addWorkload(workload('reviews-v2', 'v2', '10.0.0.2'));
      await f.addWorkload(workload('reviews-other-ns', 'v1', '10.0.0.3', 'prod'));
      await f.addWorkload({ ...workload('ratings', 'v1', '10.0.0.4'), labels: { app: 'ratings' } });
      const host = fqdn(f, 'reviews', 'default');
      const all = f.registry.instancesOf(host, 9080);
      assert.deepEqual(all.map((e) => `${e.address}:${e.port}`).sort(), ['10.0.0.1:9080', '10.0.0.2:9080']);
      assert.deepEqual(
        f.registry.instancesOf(host, 9090).map((e) => e.port),
        [9091, 9091],
      );
      assert.deepEqual(
        f.registry.instancesOf(host, 9080, { version: 'v2' }).map((e) => e.instance.name),
        ['reviews-v2'],
      );
      const v1 = all.find((e) => e.instance.name === 'reviews-v1');
      assert.deepEqual(
        [v1?.instance.namespace, v1?.instance.serviceAccount, v1?.instance.labels.version],
        ['default', 'reviews', 'v1'],
      );
      assert.deepEqual(f.registry.instancesOf(host, 1234), []);
    });

    it('changes are announced with the hostnames they touch and a higher revision', async () => {
      const f = await open();
      await f.addService(reviews);
      const changes: RegistryChange[] = [];
      f.registry.onChange((c) => changes.push(c));
      const before = f.registry.revision;
      await f.addWorkload(workload('reviews-v1', 'v1', '10.0.0.1'));
      const host = fqdn(f, 'reviews', 'default');
      await eventually('a change', () => changes.some((c) => c.hostnames.includes(host)));
      assert.ok(f.registry.revision > before);
      const revision = f.registry.revision;
      await f.removeWorkload('default', 'reviews-v1');
      await eventually('endpoints gone', () => f.registry.instancesOf(host, 9080).length === 0);
      await eventually('a second change', () => f.registry.revision > revision);
      await f.removeService('default', 'reviews');
      await eventually('service gone', () => f.registry.service(host) === undefined);
    });

    it('lists services ordered by hostname', async () => {
      const f = await open();
      await f.addService({ ...reviews, name: 'reviews' });
      await f.addService({ ...reviews, name: 'details', selector: { app: 'details' } });
      await f.addService({ ...reviews, name: 'ratings', namespace: 'backend', selector: { app: 'ratings' } });
      assert.deepEqual(
        f.registry.services().map((s) => s.hostname),
        [fqdn(f, 'details', 'default'), fqdn(f, 'ratings', 'backend'), fqdn(f, 'reviews', 'default')],
      );
    });
  });
}
