// Integration: route hash policies drive RING_HASH and MAGLEV clusters of real upstreams — a header value
// sticks to one upstream, different values spread, query parameters hash too, and a cookie policy with a
// TTL sends a generated Set-Cookie that keeps the client on the same upstream afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HashPolicy } from '../../src/proxy/config/route.js';
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

describe('proxy hash policies', () => {
  const ups: Awaited<ReturnType<typeof echoUpstream>>[] = [];
  let proxy: ProxyServer;
  let port: number;

  before(async () => {
    for (const n of ['u0', 'u1', 'u2']) ups.push(await echoUpstream(n));
    const ports = ups.map((u) => u.port);
    let seed = 1;
    // A deterministic stand-in for Math.random: with no hash, ring hash picks at random.
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    proxy = new ProxyServer({ stats: new StatsStore(), random });
    const byHeader: HashPolicy[] = [{ kind: 'header', name: 'x-user', terminal: false }];
    const byQuery: HashPolicy[] = [{ kind: 'queryParameter', name: 'session', terminal: false }];
    const byCookie: HashPolicy[] = [
      { kind: 'cookie', name: 'sticky', ttlMs: 60_000, path: '/', terminal: false },
    ];
    const rc = routeConfig('r', [
      vhost(
        'all',
        ['*'],
        [
          route('maglev', forward('maglev', { hashPolicies: byHeader }), {
            path: { kind: 'prefix', value: '/maglev' },
          }),
          route('query', forward('ring', { hashPolicies: byQuery }), {
            path: { kind: 'prefix', value: '/query' },
          }),
          route('cookie', forward('ring', { hashPolicies: byCookie }), {
            path: { kind: 'prefix', value: '/cookie' },
          }),
          route('rr', forward('rr', { hashPolicies: byCookie }), {
            path: { kind: 'prefix', value: '/rr' },
          }),
          route('header', forward('ring', { hashPolicies: byHeader }), {
            path: { kind: 'prefix', value: '/' },
          }),
        ],
      ),
    ]);
    const lbConfig = { healthyPanicThreshold: 50, localityWeighted: false };
    proxy.apply(
      resources(
        [listener('l', [chain(hcm(rc))])],
        [
          staticCluster('ring', ports, {
            lbPolicy: 'RING_HASH',
            lbConfig: { ...lbConfig, ringHash: { minimumRingSize: 1024, maximumRingSize: 8192 } },
          }),
          staticCluster('maglev', ports, { lbPolicy: 'MAGLEV', lbConfig }),
          staticCluster('rr', ports),
        ],
      ),
    );
    await proxy.ready();
    port = proxy.listenerPort('l')!;
  });

  after(async () => {
    await proxy.close();
    for (const u of ups) await closeServer(u.server);
  });

  const upstreamOf = async (path: string, headers: Record<string, string> = {}) => {
    const r = await request(port, { path, headers: { host: 'app', ...headers } });
    assert.equal(r.status, 200);
    return { name: JSON.parse(r.body).name as string, setCookie: r.headers['set-cookie'] };
  };

  async function stickiness(path: string, header: (v: string) => Record<string, string>, q = '') {
    const chosen = new Map<string, Set<string>>();
    for (let i = 0; i < 50; i++) {
      const value = `user-${i % 10}`;
      const { name } = await upstreamOf(`${path}${q === '' ? '' : `?${q}=${value}`}`, header(value));
      const set = chosen.get(value) ?? new Set<string>();
      set.add(name);
      chosen.set(value, set);
    }
    for (const [value, names] of chosen) assert.equal(names.size, 1, `${value} went to ${[...names]}`);
    const used = new Set([...chosen.values()].map((s) => [...s][0]));
    assert.ok(used.size >= 2, `10 values all landed on ${[...used]}`);
  }

  it('RING_HASH: the same header value always lands on the same upstream; different values spread', async () => {
    await stickiness('/items', (v) => ({ 'x-user': v }));
  });

  it('MAGLEV: the same header value always lands on the same upstream; different values spread', async () => {
    await stickiness('/maglev', (v) => ({ 'x-user': v }));
  });

  it('query parameter policy hashes on the parameter value', async () => {
    await stickiness('/query', () => ({}), 'session');
  });

  it('without the header the pick is not sticky (the balancer picks at random)', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 30; i++) names.add((await upstreamOf('/items')).name);
    assert.ok(names.size >= 2, `30 hashless requests all went to ${[...names]}`);
  });

  it('cookie policy with a TTL generates the cookie (Set-Cookie) and the cookie then sticks', async () => {
    const first = await upstreamOf('/cookie');
    assert.ok(first.setCookie !== undefined && first.setCookie.length === 1);
    const sc = first.setCookie[0];
    assert.match(sc, /^sticky="[0-9a-f]{16}"; Max-Age=60; Path=\/; HttpOnly$/);
    const value = sc.slice('sticky="'.length, sc.indexOf('"', 'sticky="'.length));
    for (let i = 0; i < 10; i++) {
      const r = await upstreamOf('/cookie', { cookie: `other=1; sticky=${value}` });
      assert.equal(r.name, first.name);
      assert.equal(r.setCookie, undefined);
    }
  });

  it('a ROUND_ROBIN cluster does not evaluate hash policies (no generated cookie)', async () => {
    const r = await upstreamOf('/rr');
    assert.equal(r.setCookie, undefined);
  });
});
