// Integration, the named cases through real sockets: retry attempt counts, no replay of a POST
// whose body reached the app unless retry_on says reset, per-try timeouts, fault delay/abort (DI/FI),
// max_pending_requests overflow at once (UO), ejection and return, local rate limit (RL), stream idle and
// max duration (SI/DT), and gRPC deadline propagation.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RetryPolicy } from '../../src/proxy/config/route.js';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
  closeServer,
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

function retryPolicy(over: Partial<RetryPolicy>): RetryPolicy {
  return {
    retryOn: [],
    numRetries: 2,
    perTryTimeoutMs: 0,
    perTryIdleTimeoutMs: 0,
    retriableStatusCodes: [],
    retriableHeaders: [],
    retriableRequestHeaders: [],
    backoffBaseMs: 5,
    backoffMaxMs: 50,
    avoidPreviousHosts: false,
    hostSelectionRetryMaxAttempts: 1,
    ...over,
  };
}

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const RL = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const ROUTER = 'envoy.extensions.filters.http.router.v3.Router';

describe('proxy resilience, Envoy semantics end to end', () => {
  const servers: http.Server[] = [];
  const logs: AccessLogEntry[] = [];
  let proxy: ProxyServer;
  let stats: StatsStore;
  let port: number;
  /** Attempts seen by the flaky upstream, with their x-envoy-attempt-count. */
  const flakyAttempts: string[] = [];
  let postsSeen = 0;
  const postBodies: string[] = [];
  const perHost = new Map<number, number>();
  let badPort = 0;
  let grpcUp: http2.Http2Server;

  before(async () => {
    let flakyCount = 0;
    const flaky = await listen((req, res) => {
      flakyAttempts.push(String(req.headers['x-envoy-attempt-count']));
      flakyCount++;
      res.statusCode = flakyCount % 3 === 0 ? 200 : 503;
      res.end(`try ${flakyCount}`);
    });
    // Reads the whole POST body, then drops the connection without answering.
    const resetter = await listen((req) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        postsSeen++;
        postBodies.push(body);
        req.socket.destroy();
      });
    });
    const slow = await listen((_req, res) => {
      setTimeout(() => res.end('slow'), 400).unref();
    });
    const good = await listen((_req, res) => {
      perHost.set(good.port, (perHost.get(good.port) ?? 0) + 1);
      res.end('good');
    });
    const bad = await listen((_req, res) => {
      perHost.set(bad.port, (perHost.get(bad.port) ?? 0) + 1);
      res.statusCode = 500;
      res.end('bad');
    });
    badPort = bad.port;
    const ok = await listen((_req, res) => res.end('ok'));
    // Hangs on its first request; answers the next ones at once.
    let hangs = 1;
    const sometimesSlow = await listen((_req, res) => {
      if (hangs-- > 0) return;
      res.end(`fast ${res.req.headers['x-envoy-attempt-count']}`);
    });
    servers.push(
      flaky.server,
      resetter.server,
      slow.server,
      good.server,
      bad.server,
      ok.server,
      sometimesSlow.server,
    );
    // An h2c gRPC-ish upstream that reports the deadline it was given.
    grpcUp = http2.createServer((req, res) => {
      res.setHeader('content-type', 'application/grpc');
      res.setHeader('x-seen-grpc-timeout', String(req.headers['grpc-timeout']));
      res.setHeader('x-seen-expected', String(req.headers['x-envoy-expected-rq-timeout-ms']));
      res.setHeader('grpc-status', '0');
      res.end();
    });
    await new Promise<void>((r) => grpcUp.listen(0, '127.0.0.1', r));
    const grpcPort = (grpcUp.address() as net.AddressInfo).port;

    stats = new StatsStore();
    proxy = new ProxyServer({ stats, accessLog: { log: (e) => logs.push(e) } });
    const rc = routeConfig('r', [
      vhost(
        'app',
        ['*'],
        [
          route(
            'flaky',
            forward('flaky', { retryPolicy: retryPolicy({ retryOn: ['5xx'], numRetries: 3 }) }),
            {
              path: { kind: 'prefix', value: '/flaky' },
            },
          ),
          route(
            'exhaust',
            forward('flaky', { retryPolicy: retryPolicy({ retryOn: ['5xx'], numRetries: 0 }) }),
            {
              path: { kind: 'prefix', value: '/exhaust' },
            },
          ),
          route(
            'post',
            forward('resetter', {
              retryPolicy: retryPolicy({
                retryOn: ['connect-failure', 'refused-stream', 'reset-before-request'],
              }),
            }),
            { path: { kind: 'prefix', value: '/post' } },
          ),
          route(
            'fault',
            forward('ok'),
            { path: { kind: 'prefix', value: '/fault' } },
            {
              perFilterConfig: {
                'envoy.filters.http.fault': {
                  '@type': FAULT,
                  abort: { http_status: 418, percentage: { numerator: 100 } },
                },
              },
            },
          ),
          route('slow', forward('slow'), { path: { kind: 'prefix', value: '/slow' } }),
          route('idle', forward('slow', { timeoutMs: 0, idleTimeoutMs: 150 }), {
            path: { kind: 'prefix', value: '/idle' },
          }),
          route('max-duration', forward('slow', { timeoutMs: 0, maxStreamDurationMs: 150 }), {
            path: { kind: 'prefix', value: '/max-duration' },
          }),
          route('grpc', forward('grpc', { grpcTimeoutHeaderMaxMs: 500 }), {
            path: { kind: 'prefix', value: '/pkg.Svc/' },
          }),
          route(
            'post-reset',
            forward('resetter', { retryPolicy: retryPolicy({ retryOn: ['reset'], numRetries: 1 }) }),
            { path: { kind: 'prefix', value: '/replay' } },
          ),
          route(
            'per-try',
            forward('sometimes-slow', {
              retryPolicy: retryPolicy({ retryOn: ['5xx'], numRetries: 1, perTryTimeoutMs: 150 }),
            }),
            { path: { kind: 'prefix', value: '/per-try' } },
          ),
          route(
            'delay',
            forward('ok'),
            { path: { kind: 'prefix', value: '/delay' } },
            {
              perFilterConfig: {
                'envoy.filters.http.fault': {
                  '@type': FAULT,
                  delay: { fixed_delay: '0.2s', percentage: { numerator: 100 } },
                },
              },
            },
          ),
          route('outlier', forward('pair'), { path: { kind: 'prefix', value: '/outlier' } }),
          route(
            'limited',
            forward('ok'),
            { path: { kind: 'prefix', value: '/limited' } },
            {
              perFilterConfig: {
                'envoy.filters.http.local_ratelimit': {
                  '@type': RL,
                  stat_prefix: 'rl',
                  token_bucket: { max_tokens: 2, tokens_per_fill: 1, fill_interval: '60s' },
                  filter_enabled: { default_value: { numerator: 100 } },
                  filter_enforced: { default_value: { numerator: 100 } },
                },
              },
            },
          ),
        ],
      ),
    ]);
    const filters = [
      {
        name: 'envoy.filters.http.fault',
        typeName: FAULT.split('/')[1],
        config: { '@type': FAULT },
        disabled: false,
      },
      {
        name: 'envoy.filters.http.local_ratelimit',
        typeName: RL.split('/')[1],
        config: { '@type': RL, stat_prefix: 'rl' },
        disabled: false,
      },
      { name: 'envoy.filters.http.router', typeName: ROUTER, config: undefined, disabled: false },
    ];
    proxy.apply(
      resources(
        [listener('l', [chain(hcm(rc, { httpFilters: filters }))])],
        [
          staticCluster('flaky', [flaky.port]),
          staticCluster('resetter', [resetter.port]),
          staticCluster('ok', [ok.port]),
          staticCluster('grpc', [grpcPort], { upstreamProtocol: 'http2' }),
          staticCluster('sometimes-slow', [sometimesSlow.port]),
          staticCluster('slow', [slow.port], {
            circuitBreakers: [
              {
                priority: 'DEFAULT',
                maxConnections: 1,
                maxPendingRequests: 1,
                maxRequests: 1024,
                maxRetries: 3,
              },
            ],
          }),
          staticCluster('pair', [good.port, bad.port], {
            lbConfig: { healthyPanicThreshold: 0, localityWeighted: false },
            outlierDetection: {
              consecutive5xx: 5,
              consecutiveGatewayFailure: 5,
              consecutiveLocalOriginFailure: 5,
              intervalMs: 100,
              baseEjectionTimeMs: 600,
              maxEjectionTimeMs: 300_000,
              maxEjectionPercent: 50,
              enforcingConsecutive5xx: 100,
              enforcingConsecutiveGatewayFailure: 0,
              enforcingConsecutiveLocalOriginFailure: 100,
              enforcingSuccessRate: 100,
              enforcingFailurePercentage: 0,
              successRateMinimumHosts: 5,
              successRateRequestVolume: 100,
              successRateStdevFactor: 1900,
              failurePercentageThreshold: 85,
              failurePercentageMinimumHosts: 5,
              failurePercentageRequestVolume: 50,
              splitExternalLocalOriginErrors: false,
            },
          }),
        ],
      ),
    );
    await proxy.ready();
    port = proxy.listenerPort('l')!;
  });

  after(async () => {
    await proxy.close();
    for (const s of servers) await closeServer(s);
    await new Promise<void>((r) => grpcUp.close(() => r()));
  });

  it('retries 5xx with x-envoy-attempt-count until success', async () => {
    const res = await request(port, { path: '/flaky' });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'try 3');
    assert.deepEqual(flakyAttempts, ['1', '2', '3']);
    assert.equal(stats.counters.get('cluster.flaky.upstream_rq_retry')?.value, 2);
  });

  it('exhausted retries pass the last response through with flag URX', async () => {
    flakyAttempts.length = 0;
    const res = await request(port, { path: '/exhaust' });
    assert.equal(res.status, 503);
    assert.equal(flakyAttempts.length, 1);
    assert.match(logs.at(-1)!.responseFlags, /URX/);
  });

  it('a POST whose body reached the upstream is not sent again on a reset', async () => {
    const res = await request(port, { path: '/post', method: 'POST', body: '{"pay":100}' });
    assert.equal(res.status, 503);
    assert.equal(postsSeen, 1);
    assert.match(logs.at(-1)!.responseFlags, /UC/);
  });

  it('a POST is sent again after a reset when retry_on says reset, with the same body', async () => {
    const before = postsSeen;
    const res = await request(port, { path: '/replay', method: 'POST', body: '{"pay":100}' });
    assert.equal(res.status, 503);
    assert.equal(postsSeen - before, 2, 'first attempt and one retry');
    assert.deepEqual(postBodies.slice(-2), ['{"pay":100}', '{"pay":100}']);
    assert.match(logs.at(-1)!.responseFlags, /URX/);
  });

  it('a per-try timeout is retried and the second attempt answers', async () => {
    const started = Date.now();
    const res = await request(port, { path: '/per-try' });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'fast 2');
    assert.ok(Date.now() - started >= 150);
    assert.equal(stats.counters.get('cluster.sometimes-slow.upstream_rq_per_try_timeout')?.value, 1);
  });

  it('fault delay: the request is held for the fixed delay with flag DI', async () => {
    const started = Date.now();
    const res = await request(port, { path: '/delay' });
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 190, `${Date.now() - started} ms`);
    assert.match(logs.at(-1)!.responseFlags, /DI/);
    assert.equal(stats.counters.get('http.ingress.fault.delays_injected')?.value, 1);
  });

  it('a gRPC deadline is capped by the route and propagated upstream as grpc-timeout', async () => {
    const res = await request(port, {
      path: '/pkg.Svc/Call',
      method: 'POST',
      headers: { 'content-type': 'application/grpc', 'grpc-timeout': '2S', te: 'trailers' },
      body: '',
    });
    // What is left of the capped 500 ms when the attempt starts (a few ms may have passed).
    const seen = /^(\d+)m$/.exec(String(res.headers['x-seen-grpc-timeout']));
    assert.ok(
      seen !== null && Number(seen[1]) <= 500 && Number(seen[1]) > 400,
      String(res.headers['x-seen-grpc-timeout']),
    );
    assert.equal(res.headers['x-seen-expected'], seen[1]);
  });

  it('stream idle timeout: 408 with flag SI when nothing moves', async () => {
    const started = Date.now();
    const res = await request(port, { path: '/idle' });
    assert.equal(res.status, 408);
    assert.equal(res.body, 'stream timeout');
    assert.ok(Date.now() - started >= 140);
    assert.match(logs.at(-1)!.responseFlags, /SI/);
  });

  it('max stream duration: 408 with flag DT', async () => {
    const res = await request(port, { path: '/max-duration' });
    assert.equal(res.status, 408);
    assert.match(logs.at(-1)!.responseFlags, /DT/);
  });

  it('fault abort: the route override answers 418 with flag FI', async () => {
    const res = await request(port, { path: '/fault' });
    assert.equal(res.status, 418);
    assert.equal(res.body, 'fault filter abort');
    assert.match(logs.at(-1)!.responseFlags, /FI/);
    assert.equal(stats.counters.get('http.ingress.fault.aborts_injected')?.value, 1);
  });

  it('max_pending_requests 1 with a slow upstream: extra requests get 503 UO at once', async () => {
    const started = Date.now();
    const all = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const r = await request(port, { path: '/slow' });
        return { r, ms: Date.now() - started };
      }),
    );
    const overflowed = all.filter((x) => x.r.status === 503);
    assert.equal(overflowed.length, 2);
    for (const o of overflowed) {
      assert.equal(o.r.headers['x-envoy-overloaded'], 'true');
      assert.ok(o.ms < 300, `answered after ${o.ms} ms`);
    }
    assert.equal(all.filter((x) => x.r.status === 200).length, 2);
  });

  it('an endpoint returning 5 × 5xx is ejected, then returns after base_ejection_time', async () => {
    for (let i = 0; i < 10; i++) await request(port, { path: '/outlier' });
    assert.equal(perHost.get(badPort), 5);
    perHost.clear();
    for (let i = 0; i < 6; i++) await request(port, { path: '/outlier' });
    assert.equal(perHost.get(badPort) ?? 0, 0, 'ejected host receives nothing');
    assert.equal(
      stats.counters.get('cluster.pair.outlier_detection.ejections_enforced_consecutive_5xx')?.value,
      1,
    );
    await new Promise((r) => setTimeout(r, 800));
    perHost.clear();
    for (let i = 0; i < 6; i++) await request(port, { path: '/outlier' });
    assert.ok((perHost.get(badPort) ?? 0) > 0, 'back in rotation');
  });

  it('local rate limit: 429 with flag RL once the bucket is empty', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(port, { path: '/limited' })).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.match(logs.at(-1)!.responseFlags, /RL/);
  });
});
