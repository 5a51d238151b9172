// The admin API over real HTTP on 127.0.0.1 (port 0): readiness transitions, stats and filters, Prometheus,
// the POST rule, /quitquitquit, logging levels, health check fail/ok, clusters and config dump.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { LoggerRegistry } from '../../common/logger.js';
import { ClusterStats } from '../stats/cluster-stats.js';
import { parseExposition } from '../stats/exposition-check.js';
import { StatsStore } from '../stats/store.js';
import { AdminServer } from './server.js';
import { FakeAdminSourceForTests, sampleClusters, sampleSections } from './test-fake-source.js';

interface Reply {
  status: number;
  body: string;
  contentType: string;
}

let port = 0;
const source = new FakeAdminSourceForTests();
const stats = new StatsStore();
const loggers = new LoggerRegistry({ names: ['admin', 'router', 'upstream'], sink: () => {} });
let clock = Date.UTC(2026, 10, 25, 14, 0, 0);
const admin = new AdminServer({
  source,
  stats,
  loggers,
  host: '127.0.0.1',
  port: 0,
  version: '9.9.9',
  now: () => clock,
  statsFlushIntervalMs: 0,
});

function call(method: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          contentType: String(res.headers['content-type'] ?? ''),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  const reviews = new ClusterStats(stats, 'outbound|9080||reviews.default.svc.cluster.local');
  reviews.counter.upstream_rq_total.inc(4);
  reviews.recordResponse(200, 8);
  stats.counter('http.inbound_0.0.0.0_9080.downstream_rq_total').inc(2);
  source.sections = sampleSections();
  source.clusterViews = sampleClusters();
  port = (await admin.start()).port;
  assert.notEqual(port, 0);
});

after(async () => {
  await admin.close();
});

test('/ready follows the source: 503 with the state name until LIVE', async () => {
  source.state = 'PRE_INITIALIZING';
  assert.deepEqual(await call('GET', '/ready').then((r) => [r.status, r.body]), [503, 'PRE_INITIALIZING\n']);
  source.state = 'INITIALIZING';
  assert.deepEqual(await call('GET', '/ready').then((r) => [r.status, r.body]), [503, 'INITIALIZING\n']);
  source.state = 'LIVE';
  assert.deepEqual(await call('GET', '/ready').then((r) => [r.status, r.body]), [200, 'LIVE\n']);
});

test('/healthcheck/fail turns LIVE into DRAINING until /healthcheck/ok', async () => {
  source.state = 'LIVE';
  assert.equal((await call('POST', '/healthcheck/fail')).body, 'OK\n');
  assert.deepEqual(await call('GET', '/ready').then((r) => [r.status, r.body]), [503, 'DRAINING\n']);
  assert.equal(admin.healthCheckFailed, true);
  await call('POST', '/healthcheck/ok');
  assert.equal((await call('GET', '/ready')).status, 200);
  assert.deepEqual(source.healthCheckChanges, [true, false]);
});

test('mutating endpoints answer GET with 405 and do nothing', async () => {
  const before = source.shutdownCalls;
  for (const path of ['/quitquitquit', '/healthcheck/fail', '/reset_counters', '/logging?level=debug']) {
    const r = await call('GET', path);
    assert.equal(r.status, 405, path);
    assert.equal(r.body, 'Method GET not allowed, POST required.');
  }
  assert.equal(source.shutdownCalls, before);
  assert.equal(admin.healthCheckFailed, false);
  assert.equal(loggers.get('router').level, 'info');
});

test('POST /quitquitquit answers OK and then calls shutdown', async () => {
  const r = await call('POST', '/quitquitquit');
  assert.deepEqual([r.status, r.body], [200, 'OK\n']);
  for (let i = 0; i < 500 && source.shutdownCalls === 0; i++) await new Promise((res) => setTimeout(res, 10));
  assert.equal(source.shutdownCalls, 1);
});

test('/logging lists levels; POST changes all or one; bad input gets the usage text', async () => {
  const list = await call('GET', '/logging');
  assert.equal(list.body, 'active loggers:\n  admin: info\n  router: info\n  upstream: info\n');
  const one = await call('POST', '/logging?router=debug');
  assert.equal(one.status, 200);
  assert.ok(one.body.includes('  router: debug\n'));
  assert.equal(loggers.get('router').level, 'debug');
  assert.equal(loggers.get('admin').level, 'info');
  await call('POST', '/logging?level=warning');
  assert.deepEqual(
    loggers.list().map((l) => l.level),
    ['warning', 'warning', 'warning'],
  );
  await call('POST', '/logging?paths=admin:trace,upstream:error');
  assert.equal(loggers.get('admin').level, 'trace');
  assert.equal(loggers.get('upstream').level, 'error');
  const bad = await call('POST', '/logging?level=loud');
  assert.equal(bad.status, 404);
  assert.match(bad.body, /^usage: \/logging/);
  assert.equal((await call('POST', '/logging?nosuchlogger=debug')).status, 404);
  loggers.setAll('info');
});

test('/stats prints text, filters with RE2, and has a JSON form', async () => {
  const all = await call('GET', '/stats');
  assert.equal(all.status, 200);
  assert.ok(
    all.body.includes('cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total: 4\n'),
  );
  assert.ok(all.body.includes('server.live: 1\n'));
  const filtered = await call('GET', `/stats?filter=${encodeURIComponent('^http\\..*downstream_rq_total$')}`);
  assert.equal(filtered.body, 'http.inbound_0.0.0.0_9080.downstream_rq_total: 2\n');
  const bad = await call('GET', '/stats?filter=(unclosed');
  assert.equal(bad.status, 400);
  const json = await call('GET', '/stats?format=json&filter=upstream_rq_total');
  assert.equal(json.contentType, 'application/json');
  const parsed = JSON.parse(json.body) as { stats: { name: string; value: number }[] };
  assert.deepEqual(parsed.stats, [
    { name: 'cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total', value: 4 },
  ]);
  const hist = await call('GET', '/stats?filter=upstream_rq_time$');
  assert.match(hist.body, /upstream_rq_time: P0\(nan,8\) .* P100\(nan,8\)\n$/);
});

test('/stats/prometheus parses strictly and carries the extra families', async () => {
  admin.addPrometheusSource(
    () => '# TYPE istio_requests_total counter\nistio_requests_total{response_code="200"} 1\n',
  );
  const r = await call('GET', '/stats/prometheus');
  assert.equal(r.status, 200);
  const parsed = parseExposition(r.body);
  assert.ok(
    parsed.samples.some(
      (s) =>
        s.name === 'envoy_cluster_upstream_rq_total' &&
        s.labels.envoy_cluster_name === 'outbound|9080||reviews.default.svc.cluster.local' &&
        s.value === 4,
    ),
  );
  assert.ok(parsed.samples.some((s) => s.name === 'istio_requests_total' && s.value === 1));
  // The memory gauges move between calls; compare a stable slice.
  assert.equal(
    (await call('GET', '/stats?format=prometheus&filter=^cluster')).body,
    (await call('GET', '/stats/prometheus?filter=^cluster')).body,
  );
});

test('/server_info reports version, state, node and uptime', async () => {
  source.state = 'LIVE';
  clock += 12_500;
  const r = await call('GET', '/server_info');
  const info = JSON.parse(r.body) as Record<string, unknown>;
  assert.equal(info.state, 'LIVE');
  assert.match(String(info.version), /^trellis\/9\.9\.9\//);
  assert.equal(info.uptime_current_epoch, '12s');
  const node = info.node as Record<string, unknown>;
  assert.equal(node.id, source.identity.id);
  assert.deepEqual(node.locality, { region: 'local', zone: 'a', sub_zone: '' });
  const opts = info.command_line_options as Record<string, unknown>;
  assert.equal(opts.config_path, '/etc/trellis/bootstrap.yaml');
  assert.equal(opts.service_cluster, 'productpage.default');
});

test('/clusters text and JSON, /config_dump, /listeners over HTTP', async () => {
  const text = await call('GET', '/clusters');
  assert.ok(
    text.body.includes(
      'outbound|9080||reviews.default.svc.cluster.local::10.0.0.8:9080::health_flags::/failed_outlier_check\n',
    ),
  );
  const json = JSON.parse((await call('GET', '/clusters?format=json')).body) as {
    cluster_statuses: unknown[];
  };
  assert.equal(json.cluster_statuses.length, 1);
  const dump = JSON.parse((await call('GET', '/config_dump')).body) as { configs: { '@type': string }[] };
  assert.deepEqual(
    dump.configs.map((c) => c['@type'].split('.').pop()),
    [
      'BootstrapConfigDump',
      'ClustersConfigDump',
      'ListenersConfigDump',
      'RoutesConfigDump',
      'SecretsConfigDump',
    ],
  );
  const listeners = await call('GET', '/listeners');
  assert.equal(listeners.body, 'virtualInbound::0.0.0.0:15006\n0.0.0.0_9080::0.0.0.0:9080\n');
  assert.equal((await call('GET', '/config_dump?resource=nope')).status, 404);
});

test('index, help and unknown paths', async () => {
  const index = await call('GET', '/');
  assert.equal(index.contentType, 'text/html; charset=UTF-8');
  assert.ok(index.body.includes('<a href="/stats/prometheus">'));
  assert.ok(index.body.includes('<form action="/quitquitquit" method="post">'));
  const missing = await call('GET', '/nope');
  assert.equal(missing.status, 404);
  assert.ok(missing.body.startsWith('invalid path. admin commands are:\n'));
});

test('/reset_counters zeroes counters', async () => {
  stats.counter('x.y').inc(3);
  await call('POST', '/reset_counters');
  assert.equal(stats.counter('x.y').value, 0);
});
