// Integration: the cluster's resilience state wired into the request path — outlier detection ejects a host
// that keeps answering 5xx, and the max_requests circuit breaker refuses with 503 UO and x-envoy-overloaded.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RetryPolicy } from '../../src/proxy/config/route.js';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import { defaultOutlierDetection } from '../../src/proxy/xds-client/decode-cluster-policies.js';
import {
  chain,
  closedPort,
  closeServer,
  echoUpstream,
  forward,
  hcm,
  listener,
  request,
  resources,
  route,
  routeConfig,
  staticCluster,
  vhost,
} from './proxy-support.js';

describe('proxy resilience wiring', () => {
  let good: Awaited<ReturnType<typeof echoUpstream>>;
  let bad: http.Server;
  let slow: http.Server;
  let flaky: http.Server;
  let proxy: ProxyServer;
  let stats: StatsStore;
  const logs: AccessLogEntry[] = [];
  let flakyCalls = 0;

  before(async () => {
    good = await echoUpstream('good');
    bad = http.createServer((_q, r) => {
      r.statusCode = 503;
      r.end('bad');
    });
    slow = http.createServer((_q, r) => {
      setTimeout(() => r.end('slow'), 300).unref();
    });
    // Fails every other request with 503, echoing the body it received otherwise.
    flaky = http.createServer((q, r) => {
      let body = '';
      q.on('data', (d) => {
        body += d;
      });
      q.on('end', () => {
        flakyCalls++;
        r.statusCode = flakyCalls % 2 === 1 ? 503 : 200;
        r.end(`${r.statusCode}:${body}`);
      });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    stats = new StatsStore();
    proxy = new ProxyServer({ stats, accessLog: { log: (e) => logs.push(e) } });
    const retry = (retryOn: string[], numRetries: number): RetryPolicy => ({
      retryOn,
      numRetries,
      perTryTimeoutMs: 0,
      perTryIdleTimeoutMs: 0,
      retriableStatusCodes: [],
      retriableHeaders: [],
      retriableRequestHeaders: [],
      backoffBaseMs: 5,
      backoffMaxMs: 20,
      avoidPreviousHosts: true,
      hostSelectionRetryMaxAttempts: 3,
    });
    const dead = await closedPort();
    const rc = routeConfig('r', [
      vhost(
        'all',
        ['*'],
        [
          route('connect-retry', forward('half-dead', { retryPolicy: retry(['connect-failure'], 2) }), {
            path: { kind: 'prefix', value: '/cf' },
          }),
          route('5xx-retry', forward('flaky', { retryPolicy: retry(['5xx'], 1) }), {
            path: { kind: 'prefix', value: '/flaky' },
          }),
          route('exhausted', forward('always-bad', { retryPolicy: retry(['5xx'], 2) }), {
            path: { kind: 'prefix', value: '/bad' },
          }),
          route('slow', forward('slow'), { path: { kind: 'prefix', value: '/slow' } }),
          route('mixed', forward('mixed')),
        ],
      ),
    ]);
    const outlier = { ...defaultOutlierDetection(), consecutive5xx: 2, maxEjectionPercent: 100 };
    proxy.apply(
      resources(
        [listener('l', [chain(hcm(rc))])],
        [
          staticCluster('mixed', [good.port, (bad.address() as net.AddressInfo).port], {
            outlierDetection: outlier,
          }),
          staticCluster('half-dead', [dead, good.port]),
          staticCluster('flaky', [(flaky.address() as net.AddressInfo).port]),
          staticCluster('always-bad', [(bad.address() as net.AddressInfo).port]),
          staticCluster('slow', [(slow.address() as net.AddressInfo).port], {
            circuitBreakers: [
              {
                priority: 'DEFAULT',
                maxConnections: 100,
                maxPendingRequests: 100,
                maxRequests: 1,
                maxRetries: 3,
              },
            ],
          }),
        ],
      ),
    );
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    await closeServer(good.server);
    await closeServer(bad);
    await closeServer(slow);
    await closeServer(flaky);
  });

  it('retries connect failures on another host', async () => {
    const port = proxy.listenerPort('l')!;
    for (let i = 0; i < 6; i++) assert.equal((await request(port, { path: `/cf/${i}` })).status, 200);
    assert.ok(stats.counter('cluster.half-dead.upstream_rq_retry').value >= 1);
  });

  it('retries a 5xx and replays the request body', async () => {
    const port = proxy.listenerPort('l')!;
    flakyCalls = 0;
    const r = await request(port, { path: '/flaky', method: 'POST', body: 'payload-123' });
    assert.equal(r.status, 200);
    assert.equal(r.body, '200:payload-123');
    assert.equal(flakyCalls, 2);
    const chunked = await request(port, {
      path: '/flaky',
      method: 'POST',
      body: 'chunked-body',
      headers: { 'transfer-encoding': 'chunked' },
    });
    assert.equal(chunked.body, '200:chunked-body');
  });

  it('gives up after num_retries with the last response and flag URX', async () => {
    const r = await request(proxy.listenerPort('l')!, { path: '/bad/x' });
    assert.equal(r.status, 503);
    assert.equal(r.body, 'bad');
    assert.equal(logs.find((l) => l.path === '/bad/x')?.responseFlags, 'URX');
  });

  it('ejects a host after consecutive 5xx so traffic goes to the healthy one', async () => {
    const port = proxy.listenerPort('l')!;
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await request(port, { path: `/m/${i}` })).status);
    assert.ok(statuses.slice(0, 6).includes(503), `the bad host answered first: ${statuses}`);
    assert.deepEqual(
      statuses.slice(10),
      Array(10).fill(200),
      `after ejection only the good host answers: ${statuses}`,
    );
    assert.ok(stats.counter('cluster.mixed.outlier_detection.ejections_enforced_total').value >= 1);
  });

  it('runs the fault filter before the router: abort with FI', async () => {
    const faultProxy = new ProxyServer({ stats: new StatsStore(), accessLog: { log: (e) => logs.push(e) } });
    const rc = routeConfig('fr', [vhost('all', ['*'], [route('any', forward('mixed'))])]);
    const fault = {
      name: 'envoy.filters.http.fault',
      typeName: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
      disabled: false,
      config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        abort: { http_status: 418, percentage: { numerator: 100 } },
      },
    };
    faultProxy.apply(
      resources(
        [listener('f', [chain(hcm(rc, { statPrefix: 'faulty', httpFilters: [fault] }))])],
        [staticCluster('mixed', [good.port])],
      ),
    );
    await faultProxy.ready();
    try {
      const r = await request(faultProxy.listenerPort('f')!, { path: '/fault-me' });
      assert.equal(r.status, 418);
      assert.equal(r.body, 'fault filter abort');
      assert.equal(logs.find((l) => l.path === '/fault-me')?.responseFlags, 'FI');
    } finally {
      await faultProxy.close();
    }
  });

  it('refuses beyond max_requests with 503 UO and x-envoy-overloaded', async () => {
    const port = proxy.listenerPort('l')!;
    const [a, b] = await Promise.all([
      request(port, { path: '/slow/1' }),
      new Promise<Awaited<ReturnType<typeof request>>>((r) =>
        setTimeout(() => r(request(port, { path: '/slow/2' })), 50),
      ),
    ]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 503);
    assert.equal(b.headers['x-envoy-overloaded'], 'true');
    assert.match(b.body, /reset reason: overflow/);
  });
});
