// istio.metadata_exchange arrives as a packed google.protobuf.Struct: Istio's inbound and outbound shapes
// decode; unknown keys and unsupported discovery methods are NACKed with their full field paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary, fromJson, type JsonObject, toBinary } from '@bufbuild/protobuf';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { decodePeerMetadataSettings } from '../filters/http/peer-metadata/config.js';
import { decodeListener } from './decode-listener.js';
import { envoyRegistry } from './registry.js';

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const STRUCT = 'type.googleapis.com/google.protobuf.Struct';
const FILTER = 'filter_chains[0].filters[0].typed_config.http_filters[0].typed_config';

function listenerWith(mx: JsonObject) {
  const json: JsonObject = {
    name: 'l',
    address: { socket_address: { address: '127.0.0.1', port_value: 8080 } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: 'http',
              rds: { route_config_name: 'r', config_source: { ads: {} } },
              http_filters: [
                { name: 'istio.metadata_exchange', typed_config: { '@type': STRUCT, value: mx } },
                {
                  name: 'envoy.filters.http.router',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                  },
                },
              ],
            },
          },
        ],
      },
    ],
  };
  const msg = fromJson(ListenerSchema, json, { registry: envoyRegistry });
  return decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, msg)));
}

test('inbound and outbound metadata exchange configs decode and keep their settings', () => {
  const inbound = listenerWith({
    downstream_discovery: [{ istio_headers: {} }],
    downstream_propagation: [{ istio_headers: {} }],
  });
  assert.ok(inbound.ok, JSON.stringify(!inbound.ok && inbound.errors));
  const f = inbound.value.filterChains[0].filter;
  assert.equal(f.kind, 'http');
  if (f.kind !== 'http') return;
  assert.equal(f.httpFilters[0].name, 'istio.metadata_exchange');
  assert.equal(f.httpFilters[0].typeName, 'google.protobuf.Struct');
  const s = decodePeerMetadataSettings(f.httpFilters[0].config);
  assert.ok(s.ok);
  assert.deepEqual(
    [
      s.value.downstreamDiscovery,
      s.value.downstreamPropagation,
      s.value.upstreamDiscovery,
      s.value.upstreamPropagation,
    ],
    [true, true, false, false],
  );
  const outbound = listenerWith({
    upstream_discovery: [{ istio_headers: {} }],
    upstream_propagation: [{ istio_headers: { skip_external_clusters: true } }],
  });
  assert.ok(outbound.ok);
});

test('unknown keys and workload discovery are NACKed with field paths', () => {
  const r = listenerWith({
    downstream_discovery: [{ workload_discovery: {} }],
    upstream_propagaton: [{ istio_headers: {} }],
    upstream_discovery: [{ istio_headers: { cache: 1 } }],
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const got = r.errors.map((e) => `${e.path}: ${e.message}`).sort();
  assert.deepEqual(got, [
    `${FILTER}.value.downstream_discovery[0].workload_discovery: not supported by Trellis`,
    `${FILTER}.value.upstream_discovery[0].istio_headers.cache: unknown field "cache"`,
    `${FILTER}.value.upstream_propagaton: unknown field "upstream_propagaton"`,
  ]);
});
