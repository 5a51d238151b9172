// The build bundles the CLI for `trellis proxy` (scripts/bundle-proxy.mjs) and bin/trellis.js runs proxies
// from it: the bundle must exist, be current, and serve as a proxy on its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../helpers/trellis-bin.js';

const root = projectRoot();
const bundle = join(root, 'dist', 'bundle', 'main.js');
const compiledMain = join(root, 'dist', 'src', 'cli', 'main.js');
const fromSource = import.meta.url.endsWith('.ts');

test('the build leaves a proxy bundle at least as new as the compiled CLI', {
  skip: fromSource && 'runs on the build (npm test)',
}, () => {
  assert.ok(existsSync(bundle), `${bundle} is missing: npm run build bundles the proxy`);
  assert.ok(
    statSync(bundle).mtimeMs >= statSync(compiledMain).mtimeMs,
    'the bundle is older than dist/src/cli/main.js',
  );
});

test('the bundled proxy serves a static bootstrap', {
  skip: fromSource && 'runs on the build (npm test)',
}, async (t) => {
  const upstream = http.createServer((_req, res) => res.end('from upstream'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  t.after(() => upstream.close());
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'trellis-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'bootstrap.json');
  writeFileSync(config, JSON.stringify(staticBootstrap(upstreamPort)));
  const proxy = spawn(process.execPath, [bundle, 'proxy', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => proxy.kill('SIGKILL'));
  const listenPort = await listenerPort(proxy);
  const body = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: listenPort, path: '/', agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      })
      .on('error', reject);
  });
  assert.equal(body, '200 from upstream');
});

function staticBootstrap(upstreamPort: number): unknown {
  const hcm = {
    '@type':
      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 'bundle',
    route_config: {
      virtual_hosts: [
        { name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'up' } }] },
      ],
    },
    http_filters: [
      {
        name: 'envoy.filters.http.router',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
      },
    ],
  };
  return {
    node: { id: 'bundle-test', cluster: 'test' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: 'in',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] },
          ],
        },
      ],
      clusters: [
        {
          name: 'up',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'up',
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } },
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  };
}

/** The port of listener `in` from the proxy's startup line "listener in on 127.0.0.1:PORT". */
function listenerPort(proxy: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no listener line within 10 s: ${out}`)), 10_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = out.match(/listener in on 127\.0\.0\.1:(\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    proxy.stdout?.on('data', onData);
    proxy.stderr?.on('data', onData);
    proxy.on('exit', (code) => reject(new Error(`proxy exited with ${code}: ${out}`)));
  });
}
