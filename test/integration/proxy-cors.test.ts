// Integration: the CORS filter with policies on the virtual host and on a route — preflights from allowed
// origins answered by the proxy, actual requests given access-control-* headers, other origins untouched,
// the route's policy winning over its virtual host's, and nothing at all without the filter in the chain.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HttpFilter } from '../../src/proxy/config/listener.js';
import type { CorsPolicy } from '../../src/proxy/config/route.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
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

const CORS_FILTER: HttpFilter = {
  name: 'envoy.filters.http.cors',
  config: {},
  disabled: false,
  typeName: 'envoy.extensions.filters.http.cors.v3.Cors',
};

describe('proxy CORS filter', () => {
  let up: Awaited<ReturnType<typeof echoUpstream>>;
  let proxy: ProxyServer;
  let stats: StatsStore;
  let port: number;
  let plainPort: number;

  before(async () => {
    up = await echoUpstream('app');
    stats = new StatsStore();
    proxy = new ProxyServer({ stats, random: () => 0 });
    const vhostPolicy: CorsPolicy = {
      allowOrigins: [{ kind: 'exact', value: 'https://good.example', ignoreCase: false }],
      allowMethods: 'GET,POST,PUT',
      allowHeaders: 'x-custom,content-type',
      exposeHeaders: 'x-upstream',
      maxAge: '600',
      allowCredentials: true,
    };
    const routePolicy: CorsPolicy = {
      allowOrigins: [{ kind: 'regex', pattern: 'https://[a-z]+\\.other\\.example' }],
      allowMethods: 'DELETE',
      allowHeaders: '',
      exposeHeaders: '',
      maxAge: '',
    };
    const rc = routeConfig('r', [
      vhost(
        'app',
        ['*'],
        [
          route('own', forward('app', { cors: routePolicy }), { path: { kind: 'prefix', value: '/own' } }),
          route('rest', forward('app')),
        ],
        { cors: vhostPolicy },
      ),
    ]);
    proxy.apply(
      resources(
        [
          listener('l', [chain(hcm(rc, { httpFilters: [CORS_FILTER] }))]),
          listener('plain', [chain(hcm(rc, { statPrefix: 'plain' }))]),
        ],
        [staticCluster('app', [up.port])],
      ),
    );
    await proxy.ready();
    port = proxy.listenerPort('l')!;
    plainPort = proxy.listenerPort('plain')!;
  });

  after(async () => {
    await proxy.close();
    await closeServer(up.server);
  });

  const preflight = (origin: string, path = '/items', p = port) =>
    request(p, {
      path,
      method: 'OPTIONS',
      headers: {
        host: 'app',
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-custom',
      },
    });
  const corsHeaders = (h: Record<string, unknown>) =>
    Object.keys(h)
      .filter((k) => k.startsWith('access-control-'))
      .sort();

  it('answers a preflight from an allowed origin locally with the policy', async () => {
    const r = await preflight('https://good.example');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.equal(r.headers['x-upstream'], undefined, 'the upstream must not see the preflight');
    assert.equal(r.headers['access-control-allow-origin'], 'https://good.example');
    assert.equal(r.headers['access-control-allow-methods'], 'GET,POST,PUT');
    assert.equal(r.headers['access-control-allow-headers'], 'x-custom,content-type');
    assert.equal(r.headers['access-control-max-age'], '600');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
  });

  it('passes a preflight from another origin to the upstream without CORS headers', async () => {
    const r = await preflight('https://evil.example');
    assert.equal(r.headers['x-upstream'], 'app');
    assert.equal(JSON.parse(r.body).method, 'OPTIONS');
    assert.deepEqual(corsHeaders(r.headers), []);
  });

  it('adds allow-origin, credentials and expose-headers to the response of an allowed actual request', async () => {
    const r = await request(port, {
      path: '/items',
      method: 'POST',
      headers: { host: 'app', origin: 'https://good.example' },
      body: 'x',
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-upstream'], 'app');
    assert.equal(r.headers['access-control-allow-origin'], 'https://good.example');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.headers['access-control-expose-headers'], 'x-upstream');
    assert.equal(r.headers['access-control-allow-methods'], undefined);
  });

  it('adds nothing for other origins or requests without an Origin', async () => {
    const other = await request(port, {
      path: '/items',
      headers: { host: 'app', origin: 'https://evil.example' },
    });
    assert.equal(other.status, 200);
    assert.deepEqual(corsHeaders(other.headers), []);
    const none = await request(port, { path: '/items', headers: { host: 'app' } });
    assert.deepEqual(corsHeaders(none.headers), []);
  });

  it("uses the route's own policy instead of the virtual host's", async () => {
    const vhostOrigin = await preflight('https://good.example', '/own/x');
    assert.equal(vhostOrigin.headers['x-upstream'], 'app');
    assert.deepEqual(corsHeaders(vhostOrigin.headers), []);
    const routeOrigin = await preflight('https://api.other.example', '/own/x');
    assert.equal(routeOrigin.status, 200);
    assert.equal(routeOrigin.headers['x-upstream'], undefined);
    assert.equal(routeOrigin.headers['access-control-allow-origin'], 'https://api.other.example');
    assert.equal(routeOrigin.headers['access-control-allow-methods'], 'DELETE');
    assert.equal(routeOrigin.headers['access-control-allow-credentials'], undefined);
    assert.equal(routeOrigin.headers['access-control-max-age'], undefined);
  });

  it('does nothing when the connection manager has no CORS filter', async () => {
    const r = await preflight('https://good.example', '/items', plainPort);
    assert.equal(r.headers['x-upstream'], 'app');
    assert.deepEqual(corsHeaders(r.headers), []);
  });

  it('counts origin_valid and origin_invalid', () => {
    assert.ok(stats.counter('http.ingress.cors.origin_valid').value >= 3);
    assert.ok(stats.counter('http.ingress.cors.origin_invalid').value >= 3);
    assert.equal(stats.counter('http.plain.cors.origin_valid').value, 0);
  });
});
