// Integration: config updates under load — swapping RDS route tables (and cluster endpoints) while requests
// flow over keep-alive connections must not fail a single request.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ProxyResources } from '../../src/proxy/config/bootstrap.js';
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

describe('proxy config update under load', () => {
  let a: Awaited<ReturnType<typeof echoUpstream>>;
  let b: Awaited<ReturnType<typeof echoUpstream>>;
  let proxy: ProxyServer;
  let base: ProxyResources;

  before(async () => {
    a = await echoUpstream('a');
    b = await echoUpstream('b');
    proxy = new ProxyServer({ stats: new StatsStore() });
    base = resources(
      [listener('l', [chain(hcm('rds-main'))])],
      [staticCluster('a', [a.port]), staticCluster('b', [b.port])],
      [routeConfig('rds-main', [vhost('all', ['*'], [route('r', forward('a'))])])],
    );
    proxy.apply(base);
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    await closeServer(a.server);
    await closeServer(b.server);
  });

  it('drops no request while routes and clusters are swapped', async () => {
    const port = proxy.listenerPort('l')!;
    let swaps = 0;
    let stop = false;
    const swapper = (async () => {
      while (!stop) {
        const target = swaps % 2 === 0 ? 'b' : 'a';
        const clusters = new Map(base.clusters);
        // Every other swap also replaces cluster b's definition (new pools, old ones drain).
        if (swaps % 4 === 1)
          clusters.set('b', staticCluster('b', [b.port], { connectTimeoutMs: 1000 + swaps }));
        proxy.apply({
          ...base,
          clusters,
          routes: new Map([
            ['rds-main', routeConfig('rds-main', [vhost('all', ['*'], [route('r', forward(target))])])],
          ]),
        });
        swaps++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const seen = new Set<string>();
    const failures: string[] = [];
    const worker = async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < 150; i++) {
        try {
          const r = await request(port, {
            agent,
            path: `/w/${i}`,
            method: i % 3 === 0 ? 'POST' : 'GET',
            body: i % 3 === 0 ? 'payload' : undefined,
          });
          if (r.status !== 200) failures.push(`${r.status} ${r.body}`);
          else seen.add(JSON.parse(r.body).name);
        } catch (e) {
          failures.push(String(e));
        }
      }
      agent.destroy();
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    stop = true;
    await swapper;
    assert.deepEqual(failures, []);
    assert.ok(swaps > 10, `only ${swaps} swaps happened`);
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  });
});
