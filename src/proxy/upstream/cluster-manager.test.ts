// Unit tests for the cluster manager and the HTTP/1.1 pool over real loopback sockets: unchanged clusters
// keep their state across updates, EDS and DNS membership, LIFO reuse, and max_connections queueing.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Cluster, ClusterLoadAssignment } from '../config/cluster.js';
import { StatsStore } from '../stats/store.js';
import { ClusterManager } from './cluster-manager.js';
import type { H1UpstreamConnection } from './pool/h1-connection.js';
import type { ResetReason } from './pool/types.js';

function assignment(name: string, ports: number[], host = '127.0.0.1'): ClusterLoadAssignment {
  return {
    clusterName: name,
    overprovisioningFactor: 140,
    localities: [
      {
        locality: { region: '', zone: '', subZone: '' },
        priority: 0,
        endpoints: ports.map((port) => ({
          address: { host, port },
          healthStatus: 'HEALTHY' as const,
          weight: 1,
          metadata: {},
        })),
      },
    ],
  };
}

function cluster(name: string, over: Partial<Cluster> = {}): Cluster {
  return {
    name,
    type: 'STATIC',
    connectTimeoutMs: 1000,
    lbPolicy: 'ROUND_ROBIN',
    lbConfig: { healthyPanicThreshold: 50, localityWeighted: false },
    circuitBreakers: [],
    upstreamProtocol: 'http1',
    idleTimeoutMs: 3_600_000,
    dnsRefreshRateMs: 60_000,
    dnsLookupFamily: 'V4_ONLY',
    metadata: {},
    ...over,
  };
}

describe('ClusterManager', () => {
  let server: net.Server;
  let port: number;
  const sockets = new Set<net.Socket>();

  before(async () => {
    server = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('keeps unchanged clusters, replaces changed ones, applies EDS assignments', () => {
    const cm = new ClusterManager(new StatsStore(), () => 0, Date.now);
    const a = cluster('a', { loadAssignment: assignment('a', [1]) });
    const e = cluster('e', { type: 'EDS' });
    cm.apply(
      new Map([
        ['a', a],
        ['e', e],
      ]),
      new Map([['e', assignment('e', [2, 3])]]),
    );
    const first = cm.get('a');
    assert.equal(cm.get('e')!.hostSet.hosts.length, 2);
    cm.apply(
      new Map([
        ['a', structuredClone(a)],
        ['e', e],
      ]),
      new Map([['e', assignment('e', [3])]]),
    );
    assert.equal(cm.get('a'), first, 'deep-equal config keeps the entry (and its pools)');
    assert.deepEqual(
      cm.get('e')!.hostSet.hosts.map((h) => h.key),
      ['127.0.0.1:3'],
    );
    cm.apply(new Map([['a', { ...a, connectTimeoutMs: 5 }]]), new Map());
    assert.notEqual(cm.get('a'), first);
    assert.equal(cm.get('e'), undefined);
    cm.close();
  });

  it('resolves STRICT_DNS endpoints with dns.lookup', async () => {
    const cm = new ClusterManager(new StatsStore(), () => 0, Date.now);
    cm.apply(
      new Map([
        ['d', cluster('d', { type: 'STRICT_DNS', loadAssignment: assignment('d', [port], 'localhost') })],
      ]),
      new Map(),
    );
    const entry = cm.get('d')!;
    for (let i = 0; i < 100 && entry.hostSet.hosts.length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(entry.hostSet.hosts[0]?.key, `127.0.0.1:${port}`);
    cm.close();
  });

  it('reuses the most recently released connection first (LIFO) and queues beyond max_connections', async () => {
    const stats = new StatsStore();
    const cm = new ClusterManager(stats, () => 0, Date.now);
    const c = cluster('p', {
      loadAssignment: assignment('p', [port]),
      circuitBreakers: [
        { priority: 'DEFAULT', maxConnections: 2, maxPendingRequests: 1, maxRequests: 100, maxRetries: 3 },
      ],
    });
    cm.apply(new Map([['p', c]]), new Map());
    const entry = cm.get('p')!;
    const pool = entry.h1Pool(entry.choose({})!);
    const failures: ResetReason[] = [];
    const waiter = (got: H1UpstreamConnection[]) => ({
      onPoolReady: (conn: H1UpstreamConnection) => got.push(conn),
      onPoolFailure: (r: ResetReason) => failures.push(r),
    });
    const ready: H1UpstreamConnection[] = [];
    const c1 = pool.acquire(waiter(ready))!;
    const c2 = pool.acquire(waiter(ready))!;
    assert.ok(c1 && c2 && c1 !== c2);
    assert.equal(pool.acquire(waiter(ready)), null, 'third request waits');
    assert.equal(pool.acquire(waiter(ready)), null);
    assert.deepEqual(failures, ['overflow'], 'fourth overflows max_pending_requests');
    assert.equal(stats.counter('cluster.p.upstream_rq_pending_overflow').value, 1);
    await new Promise((r) => setTimeout(r, 50));
    pool.release(c1);
    assert.deepEqual(ready, [c1], 'the waiter gets the released connection');
    pool.release(c2);
    pool.release(c1);
    assert.equal(pool.acquire(waiter(ready)), c1, 'LIFO: last released comes back first');
    assert.equal(pool.acquire(waiter(ready)), c2);
    assert.equal(stats.counter('cluster.p.upstream_cx_total').value, 2);
    cm.close();
  });

  it('gives a host with no connection one even when the cluster is at max_connections (as Envoy)', async () => {
    const stats = new StatsStore();
    const cm = new ClusterManager(stats, () => 0, Date.now);
    const other = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherPort = (other.address() as net.AddressInfo).port;
    // Two hosts, one connection allowed for the whole cluster.
    const c = cluster('q', {
      loadAssignment: assignment('q', [port, otherPort]),
      circuitBreakers: [
        { priority: 'DEFAULT', maxConnections: 1, maxPendingRequests: 10, maxRequests: 100, maxRetries: 3 },
      ],
    });
    cm.apply(new Map([['q', c]]), new Map());
    const entry = cm.get('q')!;
    const [h1, h2] = entry.hostSet.hosts;
    const noop = { onPoolReady: () => {}, onPoolFailure: () => {} };
    const first = entry.h1Pool(h1).acquire(noop);
    assert.ok(first, 'the first host opens the one connection the breaker allows');
    assert.ok(entry.h1Pool(h2).acquire(noop), 'the second host still gets its first connection');
    assert.equal(entry.h1Pool(h1).acquire(noop), null, 'beyond that, requests queue');
    assert.equal(stats.counter('cluster.q.upstream_cx_overflow').value, 2);
    cm.close();
    await new Promise<void>((r) => other.close(() => r()));
  });
});
