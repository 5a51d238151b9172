// The response-flag audit (issue #4 point 8), end to end on loopback: each flag the proxy produces is
// provoked for real — upstreams that are missing, refuse, overflow, hang up, answer garbage or reset an
// HTTP/2 stream, clients that send garbage or leave, injected faults and rate limits — and then found in
// the access log entry and as the response_flags label of istio_requests_total (the istio.stats filter).
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HttpFilter } from '../../src/proxy/config/listener.js';
import type { RetryPolicy } from '../../src/proxy/config/route.js';
import { istioMetricsOf } from '../../src/proxy/filters/http/istio-stats/registry.js';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { parseExposition } from '../../src/proxy/stats/exposition-check.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
  closedPort,
  closeServer,
  echoUpstream,
  forward,
  hcm,
  listener,
  rawExchange,
  request,
  resources,
  route,
  routeConfig,
  staticCluster,
  vhost,
} from './proxy-support.js';

const STATS: HttpFilter = {
  name: 'istio.stats',
  typeName: 'stats.PluginConfig',
  disabled: false,
  config: { '@type': 'type.googleapis.com/stats.PluginConfig' },
};
const ALL = { default_value: { numerator: 100 } };
const FAULT: HttpFilter = {
  name: 'envoy.filters.http.fault',
  typeName: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  disabled: false,
  config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    // Header-controlled: each request says whether it wants a delay or an abort.
    delay: { header_delay: {}, percentage: { numerator: 100 } },
    abort: { header_abort: {}, percentage: { numerator: 100 } },
  },
};
const RATE_LIMIT: HttpFilter = {
  name: 'envoy.filters.http.local_ratelimit',
  typeName: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  disabled: false,
  config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    stat_prefix: 'rl',
    token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: '60s' },
    filter_enabled: ALL,
    filter_enforced: ALL,
  },
};
const ROUTER: HttpFilter = {
  name: 'envoy.filters.http.router',
  typeName: 'envoy.extensions.filters.http.router.v3.Router',
  disabled: false,
  config: undefined,
};

function retry(retryOn: string[], numRetries: number): RetryPolicy {
  return {
    retryOn,
    numRetries,
    perTryTimeoutMs: 0,
    perTryIdleTimeoutMs: 0,
    retriableStatusCodes: [],
    retriableHeaders: [],
    retriableRequestHeaders: [],
    backoffBaseMs: 5,
    backoffMaxMs: 10,
    avoidPreviousHosts: false,
    hostSelectionRetryMaxAttempts: 1,
  };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

describe('response flags: access log and the response_flags metric label', () => {
  const servers: net.Server[] = [];
  const logs: AccessLogEntry[] = [];
  let stats: StatsStore;
  let proxy: ProxyServer;
  let port: number;
  let limitedPort: number;

  before(async () => {
    const echo = await echoUpstream('echo');
    servers.push(echo.server);
    const slow = http.createServer((_q, r) => {
      setTimeout(() => r.end('late'), 400).unref();
    });
    const bad = http.createServer((_q, r) => {
      r.statusCode = 503;
      r.end('bad');
    });
    // Reads the request, then hangs up without a response (UC).
    const closer = net.createServer((s) => s.once('data', () => s.destroy()));
    // Answers with something that is not HTTP (UPE).
    const garbage = net.createServer((s) => s.once('data', () => s.end('HTTP/1.1 2OO NOT OK\r\n\r\n')));
    // HTTP/2 (prior knowledge) that resets every stream (UR).
    const resetter = http2.createServer();
    resetter.on('stream', (stream) => {
      stream.on('error', () => {});
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
    servers.push(slow, bad, closer, garbage, resetter);
    const [slowPort, badPort, closerPort, garbagePort, resetPort] = await Promise.all(
      [slow, bad, closer, garbage, resetter].map(listen),
    );
    const dead = await closedPort();
    stats = new StatsStore();
    proxy = new ProxyServer({ stats, accessLog: { log: (e) => logs.push(e) } });
    const at = (p: string) => ({ path: { kind: 'prefix' as const, value: p } });
    const rc = routeConfig('r', [
      vhost(
        'app',
        ['app.local'],
        [
          route('uh', forward('empty'), at('/uh')),
          route('uf', forward('dead'), at('/uf')),
          route('uo', forward('one-at-a-time'), at('/uo')),
          route('urx', forward('bad', { retryPolicy: retry(['5xx'], 1) }), at('/urx')),
          route('uc', forward('closer'), at('/uc')),
          route('ut', forward('slow', { timeoutMs: 100 }), at('/ut')),
          route('ur', forward('resetter'), at('/ur')),
          route('upe', forward('garbage'), at('/upe')),
          route('nc', forward('no-such-cluster'), at('/nc')),
          route('si', forward('slow', { timeoutMs: 0, idleTimeoutMs: 100 }), at('/si')),
          route('dc', forward('slow', { timeoutMs: 0 }), at('/dc')),
          route('ok', forward('echo'), at('/')),
        ],
      ),
    ]);
    const clusters = [
      staticCluster('echo', [echo.port]),
      staticCluster('empty', []),
      staticCluster('dead', [dead]),
      staticCluster('slow', [slowPort]),
      staticCluster('one-at-a-time', [slowPort], {
        circuitBreakers: [
          {
            priority: 'DEFAULT',
            maxConnections: 1024,
            maxPendingRequests: 1024,
            maxRequests: 1,
            maxRetries: 3,
          },
        ],
      }),
      staticCluster('bad', [badPort]),
      staticCluster('closer', [closerPort]),
      staticCluster('garbage', [garbagePort]),
      staticCluster('resetter', [resetPort], { upstreamProtocol: 'http2' }),
    ];
    const limited = routeConfig('l', [vhost('all', ['*'], [route('any', forward('echo'))])]);
    proxy.apply(
      resources(
        [
          listener('main', [chain(hcm(rc, { statPrefix: 'main', httpFilters: [FAULT, STATS, ROUTER] }))]),
          listener('limited', [
            chain(hcm(limited, { statPrefix: 'lim', httpFilters: [RATE_LIMIT, STATS, ROUTER] })),
          ]),
        ],
        clusters,
      ),
    );
    await proxy.ready();
    port = proxy.listenerPort('main')!;
    limitedPort = proxy.listenerPort('limited')!;
  });

  after(async () => {
    await proxy.close();
    for (const s of servers) await closeServer(s);
  });

  /** The flags of the access log entry for `path`, waiting for it (some end after the client is gone). */
  async function loggedFlags(path: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const e = logs.find((l) => l.path === path);
      if (e !== undefined) return e.responseFlags;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`no access log entry for ${path}`);
  }

  /** response_flags labels of istio_requests_total series with `code`. */
  function metricFlags(code: string): string[] {
    return parseExposition(istioMetricsOf(stats).render())
      .samples.filter((s) => s.name === 'istio_requests_total' && s.labels.response_code === code)
      .map((s) => s.labels.response_flags);
  }

  const get = (path: string, headers: Record<string, string> = {}) =>
    request(port, { path, headers: { host: 'app.local', ...headers } });

  it('upstream side: UH, UF, UO, URX, UC, UT, UR, UPE, NC, SI', async () => {
    const cases: [string, number, string][] = [
      ['/uh', 503, 'UH'],
      ['/uf', 503, 'UF'],
      ['/urx', 503, 'URX'],
      ['/uc', 503, 'UC'],
      ['/ut', 504, 'UT'],
      ['/ur', 503, 'UR'],
      ['/upe', 503, 'UPE'],
      ['/nc', 503, 'NC'],
      ['/si', 408, 'SI'],
    ];
    for (const [path, status, flag] of cases) {
      const r = await get(path);
      assert.equal(r.status, status, `${path}: ${r.body}`);
      assert.equal(await loggedFlags(path), flag, path);
      assert.ok(metricFlags(String(status)).includes(flag), `${flag} in response_flags`);
    }
    // The breaker allows one request at a time: the second, sent while the first runs, overflows.
    const [first, second] = await Promise.all([
      get('/uo'),
      new Promise((r) => setTimeout(r, 50)).then(() => get('/uo/2')),
    ]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 503);
    assert.equal(second.headers['x-envoy-overloaded'], 'true');
    assert.equal(await loggedFlags('/uo/2'), 'UO');
    assert.ok(metricFlags('503').includes('UO'));
  });

  it('downstream side: NR, DPE for a malformed request, DC for a client that leaves', async () => {
    const nr = await request(port, { path: '/', headers: { host: 'nowhere.local' } });
    assert.equal(nr.status, 404);
    assert.equal(logs.find((l) => l.authority === 'nowhere.local')?.responseFlags, 'NR');
    assert.ok(metricFlags('404').includes('NR'));

    const raw = await rawExchange(port, 'GET /dpe HTTP/1.1\r\nHost: app.local\r\nbad header line\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400/);
    assert.ok(
      logs.some((l) => l.responseFlags === 'DPE' && l.status === 400),
      'DPE in the access log',
    );
    assert.ok(metricFlags('400').includes('DPE'));

    // Sends a request to the slow upstream and hangs up before the answer.
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write('GET /dc HTTP/1.1\r\nHost: app.local\r\n\r\n');
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 100);
      });
    });
    assert.equal(await loggedFlags('/dc'), 'DC');
    assert.equal(logs.find((l) => l.path === '/dc')?.status, 0);
    assert.ok(metricFlags('0').includes('DC'), 'no response: response_code 0');
  });

  it('filters: DI and FI from the fault filter, RL from the local rate limit', async () => {
    const delayed = await get('/di', { 'x-envoy-fault-delay-request': '30' });
    assert.equal(delayed.status, 200);
    assert.equal(await loggedFlags('/di'), 'DI');
    assert.ok(metricFlags('200').includes('DI'));
    const aborted = await get('/fi', { 'x-envoy-fault-abort-request': '418' });
    assert.equal(aborted.status, 418);
    assert.equal(await loggedFlags('/fi'), 'FI');
    assert.ok(metricFlags('418').includes('FI'));
    assert.equal((await request(limitedPort, { path: '/rl-1' })).status, 200);
    assert.equal((await request(limitedPort, { path: '/rl-2' })).status, 429);
    assert.equal(await loggedFlags('/rl-2'), 'RL');
    assert.ok(metricFlags('429').includes('RL'));
  });
});
