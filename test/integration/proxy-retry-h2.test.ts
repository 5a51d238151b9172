// Retries against HTTP/2 upstreams: after an upstream that stalled the request body (flow control fills, so
// the proxy pauses the client's body) and then reset the stream, the buffered body is replayed to the other
// host and the client's body flows again; a REFUSED_STREAM, and a stream above an upstream GOAWAY's last-stream-id, is retried under retry_on
// refused-stream.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RetryPolicy } from '../../src/proxy/config/route.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
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

/** Larger than the HTTP/2 flow-control window (64 KiB) plus Node's buffering, well under the 1 MiB retry buffer. */
const BODY_BYTES = 900 * 1024;

describe('retry after upstream back-pressure', () => {
  let stalling: http2.Http2Server;
  let reading: http2.Http2Server;
  let proxy: ProxyServer;
  let stats: StatsStore;
  let stalled = 0;

  before(async () => {
    // Takes the request, never reads its body, and resets the stream after 200 ms.
    stalling = http2.createServer((req) => {
      stalled++;
      req.pause();
      setTimeout(() => req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR), 200).unref();
    });
    // Reads the whole body and answers with its length.
    reading = http2.createServer((req, res) => {
      let n = 0;
      req.on('data', (d: Buffer) => {
        n += d.length;
      });
      req.on('end', () => res.end(String(n)));
    });
    await new Promise<void>((r) => stalling.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => reading.listen(0, '127.0.0.1', r));
    stats = new StatsStore();
    proxy = new ProxyServer({ stats });
    const retry: RetryPolicy = {
      retryOn: ['reset'],
      numRetries: 2,
      perTryTimeoutMs: 0,
      perTryIdleTimeoutMs: 0,
      retriableStatusCodes: [],
      retriableHeaders: [],
      retriableRequestHeaders: [],
      backoffBaseMs: 5,
      backoffMaxMs: 20,
      avoidPreviousHosts: true,
      hostSelectionRetryMaxAttempts: 3,
    };
    const port = (s: http2.Http2Server) => (s.address() as net.AddressInfo).port;
    proxy.apply(
      resources(
        [
          listener('l', [
            chain(
              hcm(
                routeConfig('r', [vhost('all', ['*'], [route('up', forward('up', { retryPolicy: retry }))])]),
              ),
            ),
          ]),
        ],
        [staticCluster('up', [port(stalling), port(reading)], { upstreamProtocol: 'http2' })],
      ),
    );
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    await new Promise<void>((r) => stalling.close(() => r()));
    await new Promise<void>((r) => reading.close(() => r()));
  });

  it('replays the body to the next host and resumes the paused client', async () => {
    const body = 'x'.repeat(BODY_BYTES);
    for (let i = 0; i < 4; i++) {
      const r = await request(proxy.listenerPort('l')!, { path: `/upload/${i}`, method: 'POST', body });
      assert.equal(r.status, 200, r.body);
      assert.equal(r.body, String(BODY_BYTES), 'the other host got the whole body');
    }
    assert.ok(stalled >= 1, 'some attempts went to the stalling host first');
    assert.ok(stats.counter('cluster.up.upstream_rq_retry').value >= 1);
  });
});

/** A proxy with one HTTP/2 upstream and a retry policy on `retryOn` (2 retries, 5–20 ms back-off). */
async function retryingProxy(
  upstream: http2.Http2Server,
  retryOn: string[],
  stats = new StatsStore(),
): Promise<ProxyServer> {
  const proxy = new ProxyServer({ stats });
  const retry: RetryPolicy = {
    retryOn,
    numRetries: 2,
    perTryTimeoutMs: 0,
    perTryIdleTimeoutMs: 0,
    retriableStatusCodes: [],
    retriableHeaders: [],
    retriableRequestHeaders: [],
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    avoidPreviousHosts: false,
    hostSelectionRetryMaxAttempts: 1,
  };
  const upPort = (upstream.address() as net.AddressInfo).port;
  proxy.apply(
    resources(
      [
        listener('l', [
          chain(
            hcm(
              routeConfig('r', [vhost('all', ['*'], [route('up', forward('up', { retryPolicy: retry }))])]),
            ),
          ),
        ]),
      ],
      [staticCluster('up', [upPort], { upstreamProtocol: 'http2' })],
    ),
  );
  await proxy.ready();
  return proxy;
}

describe('retry_on refused-stream (HTTP/2 REFUSED_STREAM: the upstream did not process the request)', () => {
  let upstream: http2.Http2Server;
  let proxy: ProxyServer;
  const seen: string[] = [];

  async function start(retryOn: string[]): Promise<number> {
    proxy = await retryingProxy(upstream, retryOn);
    return proxy.listenerPort('l')!;
  }

  before(async () => {
    // Refuses every first attempt (no x-envoy-attempt-count of 2), answers the retry.
    upstream = http2.createServer((req, res) => {
      const attempt = String(req.headers['x-envoy-attempt-count'] ?? '1');
      seen.push(attempt);
      if (attempt === '1') req.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      else res.end(`answered attempt ${attempt}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('retries a refused stream when retry_on has refused-stream, and not otherwise', async () => {
    let port = await start(['refused-stream']);
    const ok = await request(port, { path: '/p', method: 'POST', body: 'once' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'answered attempt 2');
    await proxy.close();
    port = await start(['retriable-4xx']);
    const refused = await request(port, { path: '/q', method: 'POST', body: 'once' });
    assert.equal(refused.status, 503, 'retriable-4xx does not cover a refused stream');
    await proxy.close();
  });
});

describe('an upstream that shuts down with GOAWAY (streams above its last-stream-id were not processed)', () => {
  let upstream: http2.Http2Server;
  let proxy: ProxyServer;
  let stats: StatsStore;

  async function start(retryOn: string[]): Promise<number> {
    stats = new StatsStore();
    proxy = await retryingProxy(upstream, retryOn, stats);
    return proxy.listenerPort('l')!;
  }

  before(async () => {
    // On each connection: holds the first stream; when a second arrives, sends GOAWAY naming the first as the
    // last it processes, then answers the first. Nghttp2 closes the second with REFUSED_STREAM. A session that
    // had sent GOAWAY is never used again, so a retry arrives on a new connection (it gets a GOAWAY of its own
    // only if a second stream joins it).
    upstream = http2.createServer();
    upstream.on('session', (session) => {
      let first: http2.ServerHttp2Stream | undefined;
      session.on('stream', (stream) => {
        stream.on('error', () => {});
        if (first === undefined) {
          first = stream;
          return;
        }
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, first.id ?? 0);
        const held = first;
        setTimeout(() => {
          held.respond({ ':status': 200 });
          held.end('first');
        }, 20);
      });
    });
    // A lone stream on a fresh connection is answered after 300 ms unless a second one joins it first.
    upstream.on('stream', (stream) => {
      setTimeout(() => {
        if (stream.session?.closed === false && !stream.headersSent && !stream.destroyed) {
          stream.respond({ ':status': 200 });
          stream.end('alone');
        }
      }, 300);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('retries the refused stream on a new connection under refused-stream, and answers 503 without it', async () => {
    let port = await start(['refused-stream']);
    const both = await Promise.all([
      request(port, { path: '/a', method: 'POST', body: 'a' }),
      request(port, { path: '/b', method: 'POST', body: 'b' }),
    ]);
    assert.deepEqual(
      both.map((r) => r.status),
      [200, 200],
    );
    assert.equal(stats.counter('cluster.up.upstream_rq_retry').value, 1, 'one retry: the refused stream');
    await proxy.close();
    port = await start([]);
    const noRetry = await Promise.all([
      request(port, { path: '/a', method: 'POST', body: 'a' }),
      request(port, { path: '/b', method: 'POST', body: 'b' }),
    ]);
    assert.deepEqual(noRetry.map((r) => r.status).sort(), [200, 503]);
    await proxy.close();
  });
});
