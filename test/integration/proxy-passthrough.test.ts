// Istio's PassthroughCluster (ORIGINAL_DST, CLUSTER_PROVIDED) in the proxy: a request for a host outside the
// registry goes where it was going — in local mode the authority the app asked its sidecar (HTTP proxy) for —
// each destination on its own host and pool; an unreachable destination is a 503 UF, not a crash.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
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

describe('PassthroughCluster (ORIGINAL_DST)', () => {
  let a: Awaited<ReturnType<typeof echoUpstream>>;
  let b: Awaited<ReturnType<typeof echoUpstream>>;
  let proxy: ProxyServer;
  const logs: AccessLogEntry[] = [];

  before(async () => {
    a = await echoUpstream('a');
    b = await echoUpstream('b');
    proxy = new ProxyServer({ stats: new StatsStore(), accessLog: { log: (e) => logs.push(e) } });
    const passthrough = {
      ...staticCluster('PassthroughCluster', []),
      type: 'ORIGINAL_DST' as const,
      lbPolicy: 'CLUSTER_PROVIDED' as const,
      loadAssignment: undefined,
    };
    proxy.apply(
      resources(
        [
          listener('l', [
            chain(
              hcm(routeConfig('r', [vhost('all', ['*'], [route('any', forward('PassthroughCluster'))])])),
            ),
          ]),
        ],
        [passthrough],
      ),
    );
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    await closeServer(a.server);
    await closeServer(b.server);
  });

  it('sends each request to the destination in its authority', async () => {
    const port = proxy.listenerPort('l')!;
    for (let i = 0; i < 3; i++) {
      const ra = await request(port, { path: `/a/${i}`, headers: { host: `127.0.0.1:${a.port}` } });
      const rb = await request(port, { path: `/b/${i}`, headers: { host: `localhost:${b.port}` } });
      assert.equal(ra.headers['x-upstream'], 'a');
      assert.equal(rb.headers['x-upstream'], 'b');
    }
    assert.equal(logs.find((l) => l.path === '/a/0')?.upstreamHost, `127.0.0.1:${a.port}`);
  });

  it('answers 503 UF for a destination nothing listens on', async () => {
    const dead = await closedPort();
    const r = await request(proxy.listenerPort('l')!, {
      path: '/dead',
      headers: { host: `127.0.0.1:${dead}` },
    });
    assert.equal(r.status, 503);
    assert.equal(logs.find((l) => l.path === '/dead')?.responseFlags, 'UF');
  });
});
