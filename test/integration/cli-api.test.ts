// Integration: the real `trellis` CLI against the control plane API (a real file-backed ConfigStore in a temp
// directory behind an HTTP server on 127.0.0.1) — apply, refusal with analyze's file:line field path, get,
// delete — and `trellis proxy-config` against a real `trellis proxy`'s admin API, found by name through the
// control plane's /debug/syncz.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyzeResources } from '../../src/analyze/index.js';
import { FileConfigStore } from '../../src/config/index.js';
import { createApiHandler } from '../../src/controlplane/api/index.js';
import { proxyFromNode } from '../../src/controlplane/model/proxy.js';
import type { ProxyStatus } from '../../src/controlplane/xds/status.js';
import { trellisArgv } from '../helpers/trellis-bin.js';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v1 }
`;

const BAD = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ratings
spec:
  host: ratings
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
    conectionPool: {}
`;

const BOOTSTRAP = `
node: { id: "sidecar~127.0.0.1~static-proxy.default~default.svc.cluster.local", cluster: static-proxy.default }
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
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: "outbound|9080|v1|reviews.default.svc.cluster.local"
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: "outbound|9080|v1|reviews.default.svc.cluster.local"
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 9 } } }
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function trellis(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const [cmd, ...pre] = trellisArgv();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('trellis apply/get/delete and proxy-config against a running API', () => {
  let dir: string;
  let configDir: string;
  let store: FileConfigStore;
  let server: Server;
  let url: string;
  let proxy: ChildProcess;
  let proxyOut = '';
  let adminPort = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trellis-cli-api-'));
    configDir = join(dir, 'config');
    store = await FileConfigStore.open(configDir, { watch: false });
    const proxyId = 'sidecar~127.0.0.1~static-proxy.default~default.svc.cluster.local';
    const status = (): ProxyStatus[] => [
      {
        proxyId,
        connectionId: `${proxyId}-1`,
        type: 'sidecar',
        namespace: 'default',
        connectedAt: Date.now(),
        types: {
          CDS: { typeUrl: 'cds', state: 'SYNCED', resourceNames: [], pushes: 1 },
          LDS: {
            typeUrl: 'lds',
            state: 'STALE',
            sentVersion: '2',
            resourceNames: [],
            pushes: 2,
            nack: { message: 'unknown field "foo"', version: '2', nonce: '4', at: 1 },
          },
        },
      },
    ];
    const handler = createApiHandler({
      store,
      status,
      proxies: () => [proxyFromNode(proxyId, { TRELLIS_ADMIN_PORT: String(adminPort) })],
      analyze: () => analyzeResources(store.all()),
      instance: 'cp-0',
    });
    server = createServer((req, res) => {
      if (!handler(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const bootstrapFile = join(dir, 'bootstrap.yaml');
    writeFileSync(bootstrapFile, BOOTSTRAP);
    const [cmd, ...pre] = trellisArgv();
    proxy = spawn(cmd, [...pre, 'proxy', '--config', bootstrapFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.stdout!.on('data', (d) => {
      proxyOut += d;
    });
    proxy.stderr!.on('data', (d) => {
      proxyOut += d;
    });
    const t0 = Date.now();
    while (!/admin API on http:\/\/127\.0\.0\.1:(\d+)/.test(proxyOut)) {
      if (Date.now() - t0 > 15_000 || proxy.exitCode !== null)
        throw new Error(`proxy did not start:\n${proxyOut}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    adminPort = Number(/admin API on http:\/\/127\.0\.0\.1:(\d+)/.exec(proxyOut)?.[1]);
  });

  after(async () => {
    if (proxy.exitCode === null) {
      proxy.kill('SIGTERM');
      await new Promise((r) => proxy.once('exit', r));
    }
    await new Promise<void>((r) => server.close(() => r()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('apply persists a valid resource into the directory and prints kubectl-style results', async () => {
    const file = join(dir, 'reviews.yaml');
    writeFileSync(file, VS);
    const first = await trellis(['apply', '-f', file, '-n', 'bookinfo', '--controlplane', url]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'virtualservice.networking.istio.io/reviews created\n');
    const persisted = readdirSync(configDir, { recursive: true })
      .map((f) => String(f))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => readFileSync(join(configDir, f), 'utf8'));
    assert.ok(
      persisted.some((t) => /name: reviews/.test(t) && /namespace: bookinfo/.test(t)),
      persisted.join('\n---\n'),
    );
    writeFileSync(file, VS.replace('subset: v1', 'subset: v2'));
    const second = await trellis(['apply', '-f', file, '-n', 'bookinfo'], { TRELLIS_CONTROLPLANE: url });
    assert.equal(second.stdout, 'virtualservice.networking.istio.io/reviews configured\n');
  });

  it('apply refuses an invalid resource with exit 1 and the file:line field path analyze prints', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, BAD);
    const r = await trellis(['apply', '-f', file, '--controlplane', url]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10: DestinationRule default/ratings: spec\\.trafficPolicy\\.conectionPool: .*did you mean "connectionPool"`,
        'm',
      ),
    );
    assert.equal(store.get('dr', 'default', 'ratings'), undefined);
  });

  it('get lists by short kind as a table and prints one resource as YAML; delete removes it', async () => {
    const [table, yaml] = await Promise.all([
      trellis(['get', 'vs', '-A', '--controlplane', url]),
      trellis(['get', 'virtualservice', 'reviews', '-n', 'bookinfo', '-o', 'yaml', '--controlplane', url]),
    ]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAMESPACE +NAME +GATEWAYS +HOSTS$/m);
    assert.match(table.stdout, /^bookinfo +reviews +reviews$/m);
    assert.match(yaml.stdout, /^kind: VirtualService$/m);
    assert.match(yaml.stdout, /subset: v2/);
    const del = await trellis(['delete', 'vs', 'reviews', '-n', 'bookinfo', '--controlplane', url]);
    assert.equal(del.stdout, 'virtualservice.networking.istio.io "reviews" deleted\n');
    assert.equal(store.get('vs', 'bookinfo', 'reviews'), undefined);
  });

  it('proxy-status shows sync states and the NACK; proxy-config finds the proxy by name and reads its admin', async () => {
    const gwVs =
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: gw-vs }\n' +
      'spec: { hosts: [a.example.com], gateways: [missing-gw], http: [{ route: [{ destination: { host: a } }] }] }\n';
    const applied = await fetch(`${url}/apis/apply?file=gw.yaml`, { method: 'POST', body: gwVs });
    assert.equal(applied.status, 200);
    const dumpFile = join(dir, 'config_dump.json');
    writeFileSync(dumpFile, await (await fetch(`http://127.0.0.1:${adminPort}/config_dump`)).text());
    // Independent invocations run side by side: each CLI start costs about a second.
    const [analyze, ps, clusters, listeners, json, log, missing, offline] = await Promise.all([
      trellis(['analyze', '--controlplane', url]),
      trellis(['proxy-status', '--controlplane', url]),
      trellis(['proxy-config', 'cluster', 'static-proxy.default', '--controlplane', url]),
      trellis(['pc', 'listener', 'static-proxy', '--controlplane', url]),
      trellis(['pc', 'cluster', '--admin', String(adminPort), '-o', 'json']),
      trellis(['pc', 'log', 'static-proxy.default', '--level', 'debug', '--controlplane', url]),
      trellis(['pc', 'cluster', 'nobody', '--controlplane', url]),
      trellis(['pc', 'listener', '--file', dumpFile, '-o', 'yaml']),
    ]);
    // A saved dump reads without any server.
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /^- name: http\n/);
    assert.match(offline.stdout, /route_config:\n +name: local\n/);
    assert.equal(analyze.code, 1, analyze.stderr);
    assert.match(
      analyze.stdout,
      /^Error \[IST0101\] \(VirtualService default\/gw-vs \S+\.yaml:\d+\) \[spec\.gateways\[0\]\]/m,
    );
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^NAME +CDS +LDS +EDS +RDS +SDS +CONTROLPLANE$/m);
    assert.match(ps.stdout, /^static-proxy\.default +SYNCED +STALE +NOT SENT +NOT SENT +NOT SENT +cp-0$/m);
    assert.match(ps.stdout, /^ {4}NACK LDS \(version 2\): unknown field "foo"$/m);

    assert.equal(clusters.code, 0, clusters.stderr);
    assert.match(clusters.stdout, /^reviews\.default\.svc\.cluster\.local +9080 +v1 +outbound +STATIC$/m);
    assert.match(listeners.stdout, /^127\.0\.0\.1 +\d+ +ALL +Inline Route: \/health\*$/m);

    // The printed cluster is the config_dump's own object (Envoy lists static clusters in the bootstrap
    // section and in static_clusters; either one will do).
    const dumpText = await (await fetch(`http://127.0.0.1:${adminPort}/config_dump`)).text();
    const printed = JSON.parse(json.stdout) as { name: string }[];
    assert.deepEqual(
      printed.map((c) => c.name),
      ['outbound|9080|v1|reviews.default.svc.cluster.local'],
    );
    const inDump: unknown[] = [];
    JSON.parse(dumpText, (_k, v: unknown) => {
      const named = v && typeof v === 'object' && (v as { name?: unknown }).name === printed[0].name;
      if (named && 'load_assignment' in v) inDump.push(v);
      return v;
    });
    assert.ok(inDump.length > 0);
    for (const c of inDump) assert.deepEqual(printed[0], c);

    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /active loggers:/);
    assert.doesNotMatch(log.stdout, /: (info|warning|error)$/m);

    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no connected proxy named "nobody" \(connected: static-proxy\.default\)/);
  });
});
