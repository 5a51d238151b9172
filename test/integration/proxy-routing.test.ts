// Integration: route actions end to end — cluster, weighted clusters, redirect, direct response — with
// prefix/regex/host rewrites and request/response header edits at route, virtual host and config level.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HeaderOps } from '../../src/proxy/config/route.js';
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

function ops(o: Partial<HeaderOps>): HeaderOps {
  return { requestAdd: [], requestRemove: [], responseAdd: [], responseRemove: [], ...o };
}
const add = (
  key: string,
  value: string,
  action: HeaderOps['requestAdd'][0]['action'] = 'OVERWRITE_IF_EXISTS_OR_ADD',
) => ({
  key,
  value,
  action,
  keepEmptyValue: false,
});

describe('proxy routing actions', () => {
  let a: Awaited<ReturnType<typeof echoUpstream>>;
  let b: Awaited<ReturnType<typeof echoUpstream>>;
  let proxy: ProxyServer;
  let port: number;
  let nextRandom = 0;

  before(async () => {
    a = await echoUpstream('a');
    b = await echoUpstream('b');
    proxy = new ProxyServer({ stats: new StatsStore(), random: () => nextRandom });
    const rc = routeConfig('r', [
      vhost(
        'app',
        ['app.local'],
        [
          route('rewrite', forward('a', { prefixRewrite: '/v2/' }), {
            path: { kind: 'prefix', value: '/v1/' },
          }),
          route(
            'regex-rewrite',
            forward('a', {
              regexRewrite: { pattern: '^/users/([0-9]+)/profile$', substitution: '/profile?id=\\1' },
            }),
            { path: { kind: 'regex', pattern: '/users/[0-9]+/profile' } },
          ),
          route('host', forward('a', { hostRewrite: 'internal.svc' }), {
            path: { kind: 'prefix', value: '/host' },
          }),
          route(
            'weighted',
            forward('a', {
              target: {
                kind: 'weighted',
                totalWeight: 100,
                clusters: [
                  {
                    name: 'a',
                    weight: 30,
                    headers: ops({ requestAdd: [add('x-picked', 'a')] }),
                    hostRewrite: 'a.internal',
                  },
                  { name: 'b', weight: 70, headers: ops({ responseAdd: [add('x-picked-resp', 'b')] }) },
                ],
              },
            }),
            { path: { kind: 'prefix', value: '/split' } },
          ),
          route(
            'redirect',
            { kind: 'redirect', scheme: 'https', status: 308, stripQuery: false },
            {
              path: { kind: 'prefix', value: '/secure' },
            },
          ),
          route(
            'direct',
            { kind: 'direct', status: 418, body: 'short and stout' },
            { path: { kind: 'path', value: '/teapot' } },
          ),
          route(
            'headers',
            forward('a'),
            { path: { kind: 'prefix', value: '/headers' } },
            {
              headers: ops({
                requestAdd: [
                  add('x-route', 'r'),
                  add('x-multi', 'added', 'APPEND_IF_EXISTS_OR_ADD'),
                  add('x-keep', 'new', 'ADD_IF_ABSENT'),
                ],
                requestRemove: ['x-secret'],
                responseAdd: [add('x-resp-route', '1')],
                responseRemove: ['x-upstream'],
              }),
            },
          ),
        ],
        {
          headers: ops({
            requestAdd: [add('x-vhost', 'v'), add('x-route', 'vhost-wins')],
            responseAdd: [add('x-resp-vhost', '1')],
          }),
        },
      ),
    ]);
    rc.headers = ops({ requestAdd: [add('x-config', 'c')] });
    proxy.apply(
      resources(
        [listener('l', [chain(hcm(rc))])],
        [staticCluster('a', [a.port]), staticCluster('b', [b.port])],
      ),
    );
    await proxy.ready();
    port = proxy.listenerPort('l')!;
  });

  after(async () => {
    await proxy.close();
    await closeServer(a.server);
    await closeServer(b.server);
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    request(port, { path, headers: { host: 'app.local', ...headers } });

  it('prefix rewrite keeps the query and records x-envoy-original-path', async () => {
    const echo = JSON.parse((await get('/v1/items?x=1')).body);
    assert.equal(echo.url, '/v2/items?x=1');
    assert.equal(echo.headers['x-envoy-original-path'], '/v1/items?x=1');
  });

  it('regex rewrite substitutes capture groups', async () => {
    assert.equal(JSON.parse((await get('/users/42/profile')).body).url, '/profile?id=42');
  });

  it('host rewrite replaces the Host header', async () => {
    assert.equal(JSON.parse((await get('/host')).body).headers.host, 'internal.svc');
  });

  it('weighted clusters follow the random draw and apply per-cluster header edits and host rewrites', async () => {
    nextRandom = 0.1;
    const ra = await get('/split');
    assert.equal(JSON.parse(ra.body).name, 'a');
    assert.equal(JSON.parse(ra.body).headers['x-picked'], 'a');
    assert.equal(JSON.parse(ra.body).headers.host, 'a.internal', "the picked cluster's host_rewrite_literal");
    nextRandom = 0.9;
    const rb = await get('/split');
    assert.equal(JSON.parse(rb.body).name, 'b');
    assert.equal(
      JSON.parse(rb.body).headers.host,
      'app.local',
      'a cluster without a rewrite keeps the authority',
    );
    assert.equal(rb.headers['x-picked-resp'], 'b');
  });

  it('redirects with Location and status', async () => {
    const res = await get('/secure/page?q=2');
    assert.equal(res.status, 308);
    assert.equal(res.headers.location, 'https://app.local/secure/page?q=2');
  });

  it('direct response returns the configured status and body', async () => {
    const res = await get('/teapot');
    assert.equal(res.status, 418);
    assert.equal(res.body, 'short and stout');
  });

  it('applies request and response header edits at every level', async () => {
    const res = await get('/headers', { 'x-secret': 's', 'x-multi': 'orig', 'x-keep': 'old' });
    const h = JSON.parse(res.body).headers;
    assert.equal(h['x-secret'], undefined);
    assert.equal(h['x-multi'], 'orig, added');
    assert.equal(h['x-keep'], 'old');
    assert.equal(h['x-vhost'], 'v');
    assert.equal(h['x-config'], 'c');
    assert.equal(h['x-route'], 'vhost-wins', 'less specific levels are applied later and win');
    assert.equal(res.headers['x-resp-route'], '1');
    assert.equal(res.headers['x-resp-vhost'], '1');
    assert.equal(res.headers['x-upstream'], undefined);
  });
});
