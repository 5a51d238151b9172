// The Node preload `trellis run` injects: an app's plain `fetch` and `http.get` to service names reach the
// sidecar named by HTTP_PROXY as absolute-form requests with the service's Host; NO_PROXY hosts go direct.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../helpers/trellis-bin.js';

const run = promisify(execFile);

function preloadArgs(): string[] {
  const compiled = import.meta.url.endsWith('.js');
  const root = projectRoot();
  return compiled
    ? ['--import', join(root, 'dist/src/runtime/preload/node-proxy.js')]
    : ['--import', 'tsx', '--import', join(root, 'src/runtime/preload/node-proxy.ts')];
}

test('fetch, http.get and http.request (also as named imports) go through HTTP_PROXY; NO_PROXY hosts do not', async () => {
  const seen: { url: string; host: string }[] = [];
  const record = (req: IncomingMessage) => seen.push({ url: req.url ?? '', host: req.headers.host ?? '' });
  const proxy = createServer((req, res) => {
    record(req);
    res.end(`proxied ${req.url}`);
  }).listen(0, '127.0.0.1');
  const direct = createServer((req, res) => {
    res.end(`direct ${req.url}`);
  }).listen(0, '127.0.0.1');
  await Promise.all([
    new Promise((r) => proxy.once('listening', r)),
    new Promise((r) => direct.once('listening', r)),
  ]);
  const proxyPort = (proxy.address() as AddressInfo).port;
  const directPort = (direct.address() as AddressInfo).port;
  const app = `
    import http from 'node:http';
    import { get, request } from 'node:http';
    const a = await (await fetch('http://details:9080/details/0')).text();
    const b = await new Promise((resolve) => http.get('http://ratings:9080/ratings/0', (res) => {
      let t = ''; res.setEncoding('utf8'); res.on('data', (c) => (t += c)); res.on('end', () => resolve(t));
    }));
    const c = await (await fetch('http://127.0.0.1:${directPort}/local')).text();
    // Named imports of node:http (ESM bindings, not the module object) are routed too.
    const body = (res, resolve) => {
      let t = ''; res.setEncoding('utf8'); res.on('data', (x) => (t += x)); res.on('end', () => resolve(t));
    };
    const d = await new Promise((resolve) => get('http://reviews:9080/reviews/0', (res) => body(res, resolve)));
    const e = await new Promise((resolve) => request('http://reviews:9080/r', (res) => body(res, resolve)).end());
    process.stdout.write(JSON.stringify([a, b, c, d, e]));`;
  try {
    const { stdout } = await run(process.execPath, [...preloadArgs(), '--input-type=module', '-e', app], {
      env: { ...process.env, HTTP_PROXY: `http://127.0.0.1:${proxyPort}`, NO_PROXY: '127.0.0.1,localhost' },
    });
    assert.deepEqual(JSON.parse(stdout), [
      'proxied http://details:9080/details/0',
      'proxied http://ratings:9080/ratings/0',
      'direct /local',
      'proxied http://reviews:9080/reviews/0',
      'proxied http://reviews:9080/r',
    ]);
    assert.deepEqual(seen, [
      { url: 'http://details:9080/details/0', host: 'details:9080' },
      { url: 'http://ratings:9080/ratings/0', host: 'ratings:9080' },
      { url: 'http://reviews:9080/reviews/0', host: 'reviews:9080' },
      { url: 'http://reviews:9080/r', host: 'reviews:9080' },
    ]);
  } finally {
    proxy.close();
    direct.close();
  }
});
