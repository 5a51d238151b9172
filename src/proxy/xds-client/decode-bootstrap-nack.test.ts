// Bootstrap NACKs: unsupported fields, bad regexes, missing required fields, typos, wrong types, unknown
// filter types — each named by its field path and the file's line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, hcmOf, load, ROUTER, withHcm } from './decode.test-util.js';
import { decodeBootstrap } from './decode-bootstrap.js';

test('NACK: a bad RE2 regex names the full field path and the line', () => {
  const errs = errors(load('bad-regex.yaml'));
  assert.equal(errs.length, 1);
  assert.equal(
    errs[0].path,
    'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[1].routes[0].match.safe_regex.regex',
  );
  assert.match(errs[0].message, /^invalid RE2 pattern: .*\(bad-regex\.yaml:20\)$/);
});

test('NACK: unsupported fields and enum values are errors, not silently dropped', () => {
  const errs = errors(load('unsupported-field.yaml'));
  assert.deepEqual(
    errs.map((e) => e.path),
    ['static_resources.clusters[0].health_checks', 'static_resources.clusters[0].lb_policy'],
  );
  assert.match(errs[0].message, /^not supported by Trellis \(unsupported-field\.yaml:6\)$/);
  assert.match(errs[1].message, /LOAD_BALANCING_POLICY_CONFIG not supported by Trellis/);
});

test('NACK: missing required fields', () => {
  const errs = errors(load('missing-required.yaml'));
  const byPath = new Map(errs.map((e) => [e.path, e.message]));
  assert.match(byPath.get('static_resources.listeners[0].address') ?? '', /^required/);
  assert.match(
    byPath.get('static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefix') ?? '',
    /^required/,
  );
  assert.match(
    byPath.get('static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters') ?? '',
    /router/,
  );
});

test('NACK: a misspelt field gets a "did you mean" hint with its line', () => {
  const text = `static_resources:
  clusters:
  - name: c
    type: STATIC
    conect_timeout: 1s
`;
  const errs = errors(decodeBootstrap(text, 'typo.yaml'));
  assert.deepEqual(errs, [
    {
      path: 'static_resources.clusters[0].conect_timeout',
      message:
        'unknown field in envoy.config.cluster.v3.Cluster (did you mean "connect_timeout"?) (typo.yaml:5)',
    },
  ]);
});

test('NACK: wrong value types, bad enum names, bad durations and YAML syntax', () => {
  const text = `admin:
  address: { socket_address: { address: 127.0.0.1, port_value: eighty } }
static_resources:
  clusters:
  - name: c
    type: STRICTER_DNS
    connect_timeout: 5 seconds
`;
  const errs = errors(decodeBootstrap(text, 'types.yaml'));
  assert.deepEqual(
    errs.map((e) => e.path),
    [
      'admin.address.socket_address.port_value',
      'static_resources.clusters[0].type',
      'static_resources.clusters[0].connect_timeout',
    ],
  );
  assert.match(errs[0].message, /expected an integer/);
  assert.match(errs[1].message, /expected one of STATIC, STRICT_DNS/);
  assert.match(errs[2].message, /expected a duration/);

  const syntax = errors(decodeBootstrap('node: { id: [unclosed\n', 'broken.yaml'));
  assert.match(syntax[0].message, /^broken\.yaml:\d+: /);
});

test('NACK: unknown HTTP filter types are rejected; optional ones are skipped with a warning', () => {
  const unknownType = withHcm(`http_filters:
- name: envoy.filters.http.lua
  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua }
${ROUTER}`);
  const errs = errors(decodeBootstrap(unknownType, 'lua.yaml'));
  assert.equal(
    errs[0].path,
    'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.@type',
  );
  assert.match(
    errs[0].message,
    /unknown type type\.googleapis\.com\/envoy\.extensions\.filters\.http\.lua\.v3\.Lua/,
  );

  // A known message that is not an HTTP filter Trellis implements.
  const wrongFilter = withHcm(`http_filters:
- name: inspector
  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
${ROUTER}`);
  const wrong = errors(decodeBootstrap(wrongFilter, 'wrong.yaml'));
  assert.match(wrong[0].message, /HTTP filter type .*TlsInspector not supported by Trellis/);

  const optional = withHcm(`http_filters:
- name: inspector
  is_optional: true
  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector }
${ROUTER}`);
  const r = decodeBootstrap(optional, 'optional.yaml');
  assert.ok(r.ok);
  assert.equal(r.warnings?.length, 1);
  assert.deepEqual(
    hcmOf(r.value).httpFilters.map((f) => f.name),
    ['envoy.filters.http.router'],
  );
});

test('NACK: the router must be last, and route-level fields Trellis lacks are named', () => {
  const routerFirst = withHcm(`http_filters:
${ROUTER}
- name: envoy.filters.http.cors
  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors }`);
  assert.match(errors(decodeBootstrap(routerFirst, 'x.yaml'))[0].message, /router must be the last/);

  const hedge = withHcm(
    `http_filters:
${ROUTER}`,
    'routes: [{ match: { prefix: / }, route: { cluster: c, hedge_policy: { hedge_on_per_try_timeout: true } } }]',
  );
  const errs = errors(decodeBootstrap(hedge, 'hedge.yaml'));
  assert.equal(
    errs[0].path,
    'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.hedge_policy',
  );
  assert.match(errs[0].message, /^not supported by Trellis/);
});

test('NACK: ADS config must name a static cluster and the node needs an id', () => {
  const text = `dynamic_resources:
  ads_config:
    api_type: GRPC
    grpc_services: [{ envoy_grpc: { cluster_name: xds-grpc } }]
  lds_config: { ads: {} }
  cds_config: { path: /etc/envoy/cds.yaml }
`;
  const errs = errors(decodeBootstrap(text, 'ads.yaml'));
  assert.deepEqual(
    errs.map((e) => e.path).sort(),
    [
      'dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name',
      'dynamic_resources.cds_config.path',
      'node.id',
    ].sort(),
  );
});

test('NACK: edits to pseudo-headers or Host, a header value with CR/LF, and two filter chains with the same match', () => {
  const hostEdit = withHcm(
    `http_filters:
${ROUTER}`,
    `request_headers_to_add: [{ header: { key: Host, value: evil } }, { header: { key: x-a, value: "a\\r\\nx-b: injected" } }]
request_headers_to_remove: [":path"]
routes: [{ match: { prefix: / }, route: { cluster: c } }]`,
  );
  const base =
    'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0]';
  assert.deepEqual(
    errors(decodeBootstrap(hostEdit, 'h.yaml')).map((e) => e.path),
    [
      `${base}.request_headers_to_add[0].header.key`,
      `${base}.request_headers_to_add[1].header.value`,
      `${base}.request_headers_to_remove[0]`,
    ],
  );

  const chain = `
    - filters:
      - name: tcp
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: t
          cluster: c`;
  const twoChains = `static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
    filter_chains:${chain}${chain}
`;
  const errs = errors(decodeBootstrap(twoChains, 'chains.yaml'));
  assert.equal(errs[0].path, 'static_resources.listeners[0].filter_chains[1]');
  assert.match(errs[0].message, /^same filter_chain_match as filter_chains\[0\]/);
});
