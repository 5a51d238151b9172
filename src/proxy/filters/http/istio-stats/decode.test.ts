// From the translator to the proxy: the listeners istiod-style translation writes (istio.stats before the
// router and before tcp_proxy) survive the wire, decode into the proxy's config (HTTP filter settings, the
// TCP proxy's network filters), print in config_dump JSON, and a config Trellis cannot honour is NACKed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, type MessageInitShape, toBinary, toJson } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  httpConnectionManager,
  istioStatsNetworkFilter,
  tcpProxyFilters,
} from '../../../../controlplane/translate/listener/filters.js';
import { ListenerSchema } from '../../../../generated/envoy/config/listener/v3/listener_pb.js';
import { decodeListener } from '../../../xds-client/decode-listener.js';
import { envoyRegistry } from '../../../xds-client/registry.js';
import { decodeIstioStatsSettings } from './config.js';
import { PluginConfigSchema } from './plugin-config.js';

const address = {
  address: {
    case: 'socketAddress' as const,
    value: { address: '127.0.0.1', portSpecifier: { case: 'portValue' as const, value: 15006 } },
  },
};

function wire(filterChains: MessageInitShape<typeof ListenerSchema>['filterChains']) {
  const l = create(ListenerSchema, { name: 'virtualInbound', address, filterChains });
  return fromBinary(ListenerSchema, toBinary(ListenerSchema, l));
}

test('translated HTTP and TCP chains decode with their istio.stats settings', () => {
  const l = wire([
    {
      name: 'http',
      filterChainMatch: { destinationPort: 8000 },
      filters: [
        httpConnectionManager({
          statPrefix: 'inbound_8000',
          routes: { rds: 'r' },
          metadataExchange: 'inbound',
        }),
      ],
    },
    {
      name: 'tcp',
      filterChainMatch: { destinationPort: 5432 },
      filters: tcpProxyFilters('inbound', 'inbound|5432||', 'inbound|5432||'),
    },
  ]);
  const r = decodeListener(l);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const [http, tcp] = r.value.filterChains.map((c) => c.filter);
  assert.equal(http.kind, 'http');
  if (http.kind !== 'http') return;
  const names = http.httpFilters.map((f) => f.name);
  assert.deepEqual(names.slice(-2), ['istio.stats', 'envoy.filters.http.router']);
  const stats = decodeIstioStatsSettings(http.httpFilters.find((f) => f.name === 'istio.stats')?.config);
  assert.ok(stats.ok);
  assert.equal(stats.value.disableHostHeaderFallback, true, 'inbound: no Host header fallback');
  assert.equal(tcp.kind, 'tcp');
  if (tcp.kind !== 'tcp') return;
  assert.deepEqual(
    tcp.networkFilters?.map((f) => f.name),
    ['istio.stats'],
  );
  // config_dump prints the resource with the same registry: stats.PluginConfig is in it.
  const json = toJson(ListenerSchema, l, { registry: envoyRegistry, useProtoFieldName: true }) as {
    filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[];
  };
  assert.deepEqual(json.filter_chains[1].filters[0].typed_config, {
    '@type': 'type.googleapis.com/stats.PluginConfig',
    disable_host_header_fallback: true,
  });
});

test('a PluginConfig Trellis cannot honour NACKs the listener with the field path', () => {
  const bad = create(PluginConfigSchema, { definitions: [{ name: 'custom', value: '1' }] } as never);
  const filter = istioStatsNetworkFilter('outbound');
  filter.configType = { case: 'typedConfig', value: anyPack(PluginConfigSchema, bad) };
  const r = decodeListener(
    wire([{ name: 'tcp', filters: [filter, ...tcpProxyFilters('outbound', 'c', 'c').slice(1)] }]),
  );
  assert.ok(!r.ok);
  assert.deepEqual(
    r.errors.map((e) => e.path),
    ['filter_chains[0].filters[0].typed_config.definitions'],
  );
  const misplaced = decodeListener(
    wire([
      {
        name: 'http',
        filters: [
          istioStatsNetworkFilter('inbound'),
          httpConnectionManager({ statPrefix: 's', routes: { rds: 'r' } }),
        ],
      },
    ]),
  );
  assert.ok(!misplaced.ok, 'the network filter goes before tcp_proxy only');
});
