// /config_dump shapes (Envoy's admin.v3 dump messages), ?resource=, ?mask=, ?name_regex=, ?include_eds and
// redaction; /clusters text and JSON forms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderClustersJson, renderClustersText } from './clusters.js';
import { buildConfigDump } from './config-dump.js';
import type { JsonObject } from './source.js';
import { sampleClusters, sampleSections } from './test-fake-source.js';

function dump(q: Parameters<typeof buildConfigDump>[1] = {}): JsonObject[] {
  const r = buildConfigDump(sampleSections(), q);
  assert.ok(r.ok);
  return r.body.configs as JsonObject[];
}

test("listeners dump in Envoy's shape: static_listeners, dynamic_listeners with active_state and error_state", () => {
  const listeners = dump().find((c) => String(c['@type']).endsWith('ListenersConfigDump'))!;
  assert.equal(listeners.version_info, '2026-11-25T14:00:00Z/7');
  assert.deepEqual(listeners.static_listeners, [
    {
      listener: {
        '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
        name: 'virtualInbound',
        address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
      },
      last_updated: '2026-11-25T14:00:00.000Z',
    },
  ]);
  const dyn = (listeners.dynamic_listeners as JsonObject[])[0];
  assert.equal(dyn.name, '0.0.0.0_9080');
  const active = dyn.active_state as JsonObject;
  assert.equal(active.version_info, '2026-11-25T14:00:00Z/7');
  assert.equal((active.listener as JsonObject).name, '0.0.0.0_9080');
  assert.deepEqual(dyn.error_state, {
    last_update_attempt: '2026-11-25T14:00:01.000Z',
    details: 'unknown field foo',
    version_info: '8',
  });
});

test('clusters split active and warming; endpoints only with include_eds; secrets redacted', () => {
  const configs = dump();
  const clusters = configs.find((c) => String(c['@type']).endsWith('ClustersConfigDump'))!;
  assert.equal((clusters.static_clusters as JsonObject[]).length, 1);
  assert.equal((clusters.dynamic_active_clusters as JsonObject[]).length, 1);
  assert.equal((clusters.dynamic_warming_clusters as JsonObject[]).length, 1);
  assert.ok(!configs.some((c) => String(c['@type']).endsWith('EndpointsConfigDump')));
  assert.ok(dump({ includeEds: true }).some((c) => String(c['@type']).endsWith('EndpointsConfigDump')));
  const secrets = configs.find((c) => String(c['@type']).endsWith('SecretsConfigDump'))!;
  const secret = (secrets.dynamic_active_secrets as JsonObject[])[0].secret as JsonObject;
  const tls = secret.tls_certificate as JsonObject;
  assert.deepEqual(tls.private_key, { inline_bytes: '[redacted]' });
  assert.deepEqual(tls.certificate_chain, { inline_bytes: 'Q0VSVA==' });
});

test('?resource= gives one config per item with the item type; ?mask= keeps listed fields', () => {
  const items = dump({ resource: 'dynamic_active_clusters' });
  assert.equal(items.length, 1);
  assert.equal(items[0]['@type'], 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster');
  const masked = dump({ resource: 'dynamic_listeners', mask: ['name', 'active_state.version_info'] });
  assert.deepEqual(masked[0], {
    '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener',
    name: '0.0.0.0_9080',
    active_state: { version_info: '2026-11-25T14:00:00Z/7' },
  });
  const topMasked = dump({ mask: ['version_info'] });
  assert.deepEqual(topMasked[2], {
    '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
    version_info: '2026-11-25T14:00:00Z/7',
  });
  const byName = dump({ resource: 'dynamic_active_clusters', nameMatches: (n) => n.includes('ratings') });
  assert.equal(byName.length, 0);
  const r = buildConfigDump(sampleSections(), { resource: 'nope' });
  assert.ok(!r.ok && r.status === 404);
});

test('/clusters text: thresholds, per-host stats sorted, health flags, locality', () => {
  const text = renderClustersText(sampleClusters());
  const c = 'outbound|9080||reviews.default.svc.cluster.local';
  const lines = text.split('\n');
  assert.equal(lines[0], `${c}::observability_name::${c}`);
  assert.ok(lines.includes(`${c}::default_priority::max_connections::1024`));
  assert.ok(lines.includes(`${c}::high_priority::max_retries::3`));
  assert.ok(lines.includes(`${c}::added_via_api::true`));
  const host = lines
    .filter((l) => l.startsWith(`${c}::10.0.0.7:9080::`))
    .map((l) => l.slice(`${c}::10.0.0.7:9080::`.length));
  assert.deepEqual(host, [
    'cx_active::1',
    'cx_connect_fail::0',
    'cx_total::2',
    'rq_active::0',
    'rq_error::0',
    'rq_success::5',
    'rq_timeout::0',
    'rq_total::5',
    'hostname::',
    'health_flags::healthy',
    'weight::1',
    'region::local',
    'zone::a',
    'sub_zone::',
    'canary::false',
    'priority::0',
    'success_rate::-1',
    'local_origin_success_rate::-1',
  ]);
  assert.ok(lines.includes(`${c}::10.0.0.8:9080::health_flags::/failed_outlier_check`));
});

test('/clusters JSON: proto3 shape with defaults omitted and uint64 as strings', () => {
  const json = JSON.parse(renderClustersJson(sampleClusters())) as { cluster_statuses: JsonObject[] };
  const c = json.cluster_statuses[0];
  assert.equal(c.added_via_api, true);
  assert.deepEqual((c.circuit_breakers as JsonObject).thresholds, [
    { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 },
    {
      priority: 'HIGH',
      max_connections: 1024,
      max_pending_requests: 1024,
      max_requests: 1024,
      max_retries: 3,
    },
  ]);
  const [healthy, ejected] = c.host_statuses as JsonObject[];
  assert.deepEqual(healthy.address, { socket_address: { address: '10.0.0.7', port_value: 9080 } });
  assert.deepEqual(healthy.health_status, { eds_health_status: 'HEALTHY' });
  assert.deepEqual(ejected.health_status, { failed_outlier_check: true, eds_health_status: 'HEALTHY' });
  const stats = healthy.stats as JsonObject[];
  assert.deepEqual(stats[0], { name: 'cx_connect_fail' });
  assert.deepEqual(stats[1], { value: '2', name: 'cx_total' });
  assert.deepEqual(stats[stats.length - 2], { type: 'GAUGE', value: '1', name: 'cx_active' });
  assert.equal(ejected.weight, 2);
  assert.deepEqual(healthy.locality, { region: 'local', zone: 'a' });
});
