// Fault and local rate limit settings are checked when a Listener or RouteConfiguration arrives: a bad
// filter config or per-route override is a NACK naming the full Envoy field path; a good one is accepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary, fromJson, type JsonObject, toBinary } from '@bufbuild/protobuf';
import type { Result } from '../../common/result.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import { ROUTER as ROUTER_YAML, withHcm } from './decode.test-util.js';
import { decodeBootstrap } from './decode-bootstrap.js';
import { decodeListener } from './decode-listener.js';
import { decodeRouteConfiguration } from './decode-route.js';
import { envoyRegistry } from './registry.js';

const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const RATELIMIT = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const ROUTER = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};
const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const FILTER_PATH = 'filter_chains[0].filters[0].typed_config.http_filters';

/** A listener whose connection manager runs `filters` then the router, through the wire format as ADS sends. */
function listenerWith(...filters: JsonObject[]) {
  const json = {
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
              http_filters: [...filters, ROUTER],
            },
          },
        ],
      },
    ],
  };
  const msg = fromJson(ListenerSchema, json, { registry: envoyRegistry });
  return decodeListener(fromBinary(ListenerSchema, toBinary(ListenerSchema, msg)));
}

function routesWith(vhOverrides: JsonObject, routeOverrides: JsonObject) {
  const json = {
    name: 'r',
    virtual_hosts: [
      {
        name: 'vh',
        domains: ['*'],
        typed_per_filter_config: vhOverrides,
        routes: [
          { match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: routeOverrides },
        ],
      },
    ],
  };
  const msg = fromJson(RouteConfigurationSchema, json, { registry: envoyRegistry });
  return decodeRouteConfiguration(
    fromBinary(RouteConfigurationSchema, toBinary(RouteConfigurationSchema, msg)),
  );
}

function errorsOf<T>(r: Result<T>): string[] {
  if (r.ok) assert.fail('expected a NACK, got an accepted resource');
  return r.errors.map((e) => `${e.path}: ${e.message}`);
}

function accepted<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`expected acceptance, got ${JSON.stringify(r.errors)}`);
  return r.value;
}

const goodFault = {
  '@type': FAULT,
  abort: { http_status: 503, percentage: { numerator: 50, denominator: 'HUNDRED' } },
  delay: { fixed_delay: '0.2s', percentage: { numerator: 1 } },
};
const goodRateLimit = {
  '@type': RATELIMIT,
  stat_prefix: 'rl',
  token_bucket: { max_tokens: 10, tokens_per_fill: 5, fill_interval: '1s' },
};

test('good fault and local rate limit filter configs are accepted and kept as JSON', () => {
  const l = accepted(
    listenerWith({ name: 'fault', typed_config: goodFault }, { name: 'rl', typed_config: goodRateLimit }),
  );
  const f = l.filterChains[0].filter;
  assert.equal(f.kind, 'http');
  if (f.kind !== 'http') return;
  assert.deepEqual(
    f.httpFilters.map((h) => h.name),
    ['fault', 'rl', 'envoy.filters.http.router'],
  );
  assert.equal((f.httpFilters[0].config as { abort: { http_status: number } }).abort.http_status, 503);
});

test('fault filter config: a bad percentage denominator is NACKed with its full path', () => {
  const bad = { ...goodFault, abort: { http_status: 503, percentage: { numerator: 5, denominator: 7 } } };
  assert.deepEqual(errorsOf(listenerWith({ name: 'fault', typed_config: bad })), [
    `${FILTER_PATH}[0].typed_config.abort.percentage.denominator: unknown denominator 7`,
  ]);
});

test('fault filter config: an abort without a status is NACKed; so is an out-of-range HTTP status', () => {
  const noStatus = { '@type': FAULT, abort: { percentage: { numerator: 100 } } };
  assert.deepEqual(
    errorsOf(
      listenerWith({ name: 'rl', typed_config: goodRateLimit }, { name: 'fault', typed_config: noStatus }),
    ),
    [`${FILTER_PATH}[1].typed_config.abort: one of http_status, grpc_status or header_abort is required`],
  );
  const badStatus = { '@type': FAULT, abort: { http_status: 700 } };
  assert.deepEqual(errorsOf(listenerWith({ name: 'fault', typed_config: badStatus })), [
    `${FILTER_PATH}[0].typed_config.abort.http_status: must be in [200, 600)`,
  ]);
});

test('local rate limit filter config: a bad token bucket is NACKed with its full paths', () => {
  const bad = {
    '@type': RATELIMIT,
    stat_prefix: 'rl',
    token_bucket: { max_tokens: 0, tokens_per_fill: 1, fill_interval: '0.01s' },
  };
  assert.deepEqual(errorsOf(listenerWith({ name: 'rl', typed_config: bad })), [
    `${FILTER_PATH}[0].typed_config.token_bucket.max_tokens: must be greater than 0`,
    `${FILTER_PATH}[0].typed_config.token_bucket.fill_interval: must be at least 50ms`,
  ]);
});

test('a disabled filter with a bad config is still NACKed (it can be enabled per route)', () => {
  const bad = { '@type': RATELIMIT, stat_prefix: '' };
  assert.deepEqual(errorsOf(listenerWith({ name: 'rl', disabled: true, typed_config: bad })), [
    `${FILTER_PATH}[0].typed_config.stat_prefix: required`,
  ]);
});

test('good per-route and per-virtual-host overrides are accepted', () => {
  const rc = accepted(routesWith({ fault: goodFault }, { rl: goodRateLimit }));
  assert.deepEqual(Object.keys(rc.virtualHosts[0].perFilterConfig), ['fault']);
  assert.deepEqual(Object.keys(rc.virtualHosts[0].routes[0].perFilterConfig), ['rl']);
});

test('bad per-route and per-virtual-host overrides are NACKed with their paths instead of ignored', () => {
  const badFault = { '@type': FAULT, abort: { percentage: { numerator: 10, denominator: 'MILLION' } } };
  const badBucket = { ...goodRateLimit, token_bucket: { max_tokens: 3, tokens_per_fill: 1 } };
  assert.deepEqual(errorsOf(routesWith({ fault: badFault }, { rl: badBucket })), [
    'virtual_hosts[0].routes[0].typed_per_filter_config.rl.token_bucket.fill_interval: required',
    'virtual_hosts[0].typed_per_filter_config.fault.abort: one of http_status, grpc_status or header_abort is required',
  ]);
});

test('a static bootstrap with a bad fault filter fails to load, naming the field from static_resources', () => {
  const yaml = withHcm(`http_filters:
- name: fault
  typed_config:
    "@type": ${FAULT}
    delay: { percentage: { numerator: 1 } }
${ROUTER_YAML}`);
  const r = decodeBootstrap(yaml, 'bootstrap.yaml');
  assert.deepEqual(
    errorsOf(r).filter((e) => e.includes('http_filters')),
    [
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.delay: one of fixed_delay or header_delay is required (bootstrap.yaml:15)',
    ],
  );
});
