// Integration: request mirroring — copies reach the mirror cluster with the `-shadow` authority and the same
// body, the runtime fraction samples with the proxy's injected random, a slow, failing or stalled mirror
// changes neither the status nor the latency of the original, and the mirror cluster counts the copies.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
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

interface Seen {
  host: string | undefined;
  url: string | undefined;
  body: string;
}

async function listen(s: net.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

describe('proxy request mirroring', () => {
  let primary: Awaited<ReturnType<typeof echoUpstream>>;
  let shadow: http.Server;
  let slowShadow: http.Server;
  let stalled: net.Server;
  let h2Shadow: http2.Http2Server;
  const stalledSockets: net.Socket[] = [];
  const seen: Seen[] = [];
  let proxy: ProxyServer;
  let stats: StatsStore;
  let port: number;
  let nextRandom = 0;

  before(async () => {
    primary = await echoUpstream('primary');
    shadow = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ host: req.headers.host, url: req.url, body: Buffer.concat(chunks).toString() });
        res.statusCode = 500; // the original must not see this
        res.end('mirror says no');
      });
    });
    // Answers only after 3 s: the original must not wait for it.
    slowShadow = http.createServer((_req, res) => {
      setTimeout(() => res.end('late'), 3000).unref();
    });
    // Accepts connections and never reads: a mirror that cannot keep up with a large body.
    stalled = net.createServer((s) => {
      s.pause();
      stalledSockets.push(s);
    });
    // An HTTP/2 (h2c) mirror: a chunked HTTP/1.1 body must reach it de-chunked.
    h2Shadow = http2.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ host: req.headers[':authority'], url: req.url, body: Buffer.concat(chunks).toString() });
        res.end('ok');
      });
    });
    const [shadowPort, slowPort, stalledPort, deadPort, h2Port] = [
      await listen(shadow),
      await listen(slowShadow),
      await listen(stalled),
      await closedPort(),
      await listen(h2Shadow),
    ];
    stats = new StatsStore();
    proxy = new ProxyServer({ stats, random: () => nextRandom });
    const mirrorTo = (cluster: string, fraction = 1) => ({ cluster, fraction });
    const rc = routeConfig('r', [
      vhost(
        'all',
        ['*'],
        [
          route('copy', forward('primary', { mirrors: [mirrorTo('shadow')] }), {
            path: { kind: 'prefix', value: '/copy' },
          }),
          route('half', forward('primary', { mirrors: [mirrorTo('shadow', 0.5)] }), {
            path: { kind: 'prefix', value: '/half' },
          }),
          route('slow', forward('primary', { mirrors: [mirrorTo('slow')] }), {
            path: { kind: 'prefix', value: '/slow' },
          }),
          route('dead', forward('primary', { mirrors: [mirrorTo('dead'), mirrorTo('missing')] }), {
            path: { kind: 'prefix', value: '/dead' },
          }),
          route('h2', forward('primary', { mirrors: [mirrorTo('h2shadow')] }), {
            path: { kind: 'prefix', value: '/h2' },
          }),
          route('stalled', forward('primary', { mirrors: [mirrorTo('stalled')] }), {
            path: { kind: 'prefix', value: '/stalled' },
          }),
        ],
      ),
    ]);
    proxy.apply(
      resources(
        [listener('l', [chain(hcm(rc))])],
        [
          staticCluster('primary', [primary.port]),
          staticCluster('shadow', [shadowPort]),
          staticCluster('slow', [slowPort]),
          staticCluster('dead', [deadPort]),
          staticCluster('stalled', [stalledPort]),
          staticCluster('h2shadow', [h2Port], { upstreamProtocol: 'http2' }),
        ],
      ),
    );
    await proxy.ready();
    port = proxy.listenerPort('l')!;
  });

  after(async () => {
    await proxy.close();
    for (const s of stalledSockets) s.destroy();
    slowShadow.closeAllConnections();
    await closeServer(primary.server);
    await closeServer(shadow);
    await closeServer(slowShadow);
    await closeServer(stalled);
    await new Promise<void>((r) => h2Shadow.close(() => r()));
  });

  const counter = (name: string) => stats.counter(name).value;

  it('sends a copy with the -shadow authority and the same body; the original gets its own answer', async () => {
    seen.length = 0;
    const r = await request(port, {
      path: '/copy/items?q=1',
      method: 'POST',
      headers: { host: 'reviews:9080', 'content-type': 'text/plain' },
      body: 'hello mirror',
    });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).name, 'primary');
    assert.equal(JSON.parse(r.body).headers.host, 'reviews:9080');
    await until(() => seen.length === 1);
    assert.deepEqual(seen, [{ host: 'reviews-shadow:9080', url: '/copy/items?q=1', body: 'hello mirror' }]);
    await until(() => counter('cluster.shadow.upstream_rq_500') === 1);
    assert.equal(counter('cluster.shadow.upstream_rq_total'), 1);
    assert.equal(counter('cluster.shadow.upstream_rq_500'), 1);
    assert.equal(counter('cluster.primary.upstream_rq_total'), 1);
  });

  const chunkedPut = (path: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path, method: 'PUT', headers: { host: 'reviews' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
        },
      );
      req.on('error', reject);
      req.write('part one, ');
      setTimeout(() => req.end('part two'), 20);
    });

  it('copies a chunked body too', async () => {
    seen.length = 0;
    assert.equal(await chunkedPut('/copy/chunked'), '200');
    await until(() => seen.length === 1);
    assert.deepEqual(seen, [{ host: 'reviews-shadow', url: '/copy/chunked', body: 'part one, part two' }]);
  });

  it('copies a chunked body de-chunked to an HTTP/2 mirror', async () => {
    seen.length = 0;
    assert.equal(await chunkedPut('/h2/chunked'), '200');
    await until(() => seen.length === 1);
    assert.deepEqual(seen, [{ host: 'reviews-shadow', url: '/h2/chunked', body: 'part one, part two' }]);
    await until(() => counter('cluster.h2shadow.upstream_rq_200') === 1);
    assert.equal(counter('cluster.h2shadow.upstream_rq_200'), 1);
  });

  it('samples the runtime fraction with the injected random', async () => {
    seen.length = 0;
    nextRandom = 0.7; // 0.7 ≥ 0.5: not mirrored
    assert.equal((await request(port, { path: '/half/a', headers: { host: 'x' } })).status, 200);
    nextRandom = 0.2; // 0.2 < 0.5: mirrored
    assert.equal((await request(port, { path: '/half/b', headers: { host: 'x' } })).status, 200);
    await until(() => seen.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      seen.map((s) => s.url),
      ['/half/b'],
    );
    nextRandom = 0;
  });

  it('a slow mirror does not slow the original', async () => {
    const t0 = Date.now();
    const r = await request(port, { path: '/slow', headers: { host: 'x' } });
    const ms = Date.now() - t0;
    assert.equal(r.status, 200);
    assert.ok(ms < 1000, `original took ${ms} ms while the mirror takes 3000 ms`);
    assert.equal(counter('cluster.slow.upstream_rq_total'), 1);
  });

  it('unreachable or unknown mirror clusters change nothing for the original', async () => {
    const t0 = Date.now();
    const r = await request(port, { path: '/dead', method: 'POST', headers: { host: 'x' }, body: 'b' });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).body, 'b');
    assert.ok(Date.now() - t0 < 1000);
    await until(() => counter('cluster.dead.upstream_cx_connect_fail') === 1);
    assert.equal(counter('cluster.dead.upstream_rq_total'), 1);
    assert.equal(counter('cluster.dead.upstream_cx_connect_fail'), 1);
  });

  it('a mirror that cannot keep up with a large body loses its copy, never pushes back on the original', async () => {
    const size = 8 * 1024 * 1024;
    const r = await request(port, {
      path: '/stalled',
      method: 'POST',
      headers: { host: 'x', 'content-type': 'application/octet-stream' },
      body: 'x'.repeat(size),
    });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).body.length, size);
    assert.equal(counter('cluster.primary.retry_or_shadow_abandoned'), 1);
    assert.equal(counter('cluster.stalled.upstream_rq_total'), 1);
  });
});
