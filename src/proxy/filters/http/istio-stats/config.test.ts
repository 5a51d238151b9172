// stats.PluginConfig on the wire (the descriptor built in code against bytes written by hand) and the
// filter's settings: what istiod sends decodes, unsupported customisations are refused with field paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, createRegistry, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { AnySchema, anyPack, DurationSchema } from '@bufbuild/protobuf/wkt';
import { DEFAULT_TCP_REPORTING_MS, decodeIstioStatsSettings } from './config.js';
import { file_istio_stats_config, PLUGIN_CONFIG_TYPE_URL, PluginConfigSchema } from './plugin-config.js';

const registry = createRegistry(file_istio_stats_config);

function settingsOf(init: Record<string, unknown>) {
  const any = anyPack(PluginConfigSchema, create(PluginConfigSchema, init as never));
  const json = toJson(AnySchema, any, { registry, useProtoFieldName: true });
  return decodeIstioStatsSettings(json);
}

test('field numbers: disable_host_header_fallback is 6, tcp_reporting_duration 7, metrics 8', () => {
  // 0x30 = field 6 varint; 0x3a = field 7 length-delimited (Duration{seconds: 5}); 0x42 = field 8.
  const hand = Buffer.from([0x30, 0x01, 0x3a, 0x02, 0x08, 0x05, 0x42, 0x02, 0x28, 0x01]);
  const msg = fromBinary(PluginConfigSchema, hand);
  assert.deepEqual(toJson(PluginConfigSchema, msg, { useProtoFieldName: true }), {
    disable_host_header_fallback: true,
    tcp_reporting_duration: '5s',
    metrics: [{ drop: true }],
  });
  const back = create(PluginConfigSchema, {
    disableHostHeaderFallback: true,
    tcpReportingDuration: create(DurationSchema, { seconds: 5n }),
    metrics: [{ drop: true }],
  } as never);
  assert.deepEqual(Buffer.from(toBinary(PluginConfigSchema, back)), hand);
});

test("istiod's default configs decode: inbound and gateways without the Host header fallback", () => {
  const inbound = settingsOf({ disableHostHeaderFallback: true });
  assert.ok(inbound.ok);
  assert.equal(inbound.value.disableHostHeaderFallback, true);
  assert.equal(inbound.value.tcpReportingMs, DEFAULT_TCP_REPORTING_MS);
  const outbound = settingsOf({ tcpReportingDuration: create(DurationSchema, { seconds: 2n }) });
  assert.ok(outbound.ok);
  assert.equal(outbound.value.disableHostHeaderFallback, false);
  assert.equal(outbound.value.tcpReportingMs, 2000);
});

test('metrics[].drop removes one metric or, without a name, all of them', () => {
  const one = settingsOf({ metrics: [{ name: 'request_bytes', drop: true }] });
  assert.ok(one.ok);
  assert.deepEqual([...one.value.dropped], ['request_bytes']);
  const all = settingsOf({ metrics: [{ drop: true }] });
  assert.ok(all.ok);
  assert.equal(all.value.dropped.size, 8);
});

test('unsupported customisations are errors naming the field', () => {
  const r = settingsOf({
    metrics: [{ name: 'requests_total', dimensions: { a: 'request.host' }, tagsToRemove: ['source_app'] }],
    definitions: [{ name: 'custom', value: '1' }],
    reporter: 1,
  });
  assert.ok(!r.ok);
  assert.deepEqual(
    r.errors.map((e) => e.path),
    [
      'typed_config.metrics[0].dimensions',
      'typed_config.metrics[0].tags_to_remove',
      'typed_config.definitions',
      'typed_config.reporter',
    ],
  );
  const custom = decodeIstioStatsSettings({ '@type': PLUGIN_CONFIG_TYPE_URL, metrics: [{ name: 'mine' }] });
  assert.ok(!custom.ok);
  assert.match(custom.errors[0].message, /custom metric "mine"/);
  const wrong = decodeIstioStatsSettings({ '@type': 'type.googleapis.com/google.protobuf.Struct' });
  assert.ok(!wrong.ok);
  assert.equal(wrong.errors[0].path, 'typed_config.@type');
  assert.ok(!decodeIstioStatsSettings({ surprise: 1 }).ok);
});
