// Integration: `trellis proxy --config <bootstrap>` as a real child process — static listener, routes and a
// STRICT_DNS cluster from an Envoy bootstrap, serving a request to a test upstream, with the admin API up.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { trellisArgv } from '../helpers/trellis-bin.js';
import { closeServer, echoUpstream, request } from './proxy-support.js';

function bootstrap(upstreamPort: number): string {
  return `
node: { id: test-proxy, cluster: test }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: http
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: cli
          route_config:
            name: local
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: /health }
                direct_response: { status: 200, body: { inline_string: ok } }
              - match: { prefix: / }
                route: { cluster: echo, prefix_rewrite: /echoed/ }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: echo
    type: STRICT_DNS
    dns_lookup_family: V4_ONLY
    connect_timeout: 1s
    load_assignment:
      cluster_name: echo
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: localhost, port_value: ${upstreamPort} } } }
`;
}

describe('trellis proxy (CLI)', () => {
  let up: Awaited<ReturnType<typeof echoUpstream>>;
  let child: ChildProcess;
  let dir: string;
  let out = '';

  before(async () => {
    up = await echoUpstream('cli');
    dir = mkdtempSync(join(tmpdir(), 'trellis-proxy-cli-'));
    const file = join(dir, 'bootstrap.yaml');
    writeFileSync(file, bootstrap(up.port));
    const [cmd, ...args] = trellisArgv();
    child = spawn(cmd, [...args, 'proxy', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    const t0 = Date.now();
    while (!/serving static config/.test(out)) {
      if (Date.now() - t0 > 15_000 || child.exitCode !== null)
        throw new Error(`proxy did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await closeServer(up.server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the bootstrap listener and the admin API', async () => {
    const port = Number(/listener http on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    assert.ok(port > 0, out);
    assert.equal((await request(port, { path: '/health' })).body, 'ok');
    // The DNS cluster resolves asynchronously; retry briefly until its host appears.
    let res = await request(port, { path: '/x' });
    for (let i = 0; i < 40 && res.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 50));
      res = await request(port, { path: '/x' });
    }
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).url, '/echoed/x');
    const adminPort = Number(/admin API on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    const stats = await request(adminPort, { path: '/stats' });
    assert.match(stats.body, /http\.cli\.downstream_rq_total: [1-9]/);
  });
});
