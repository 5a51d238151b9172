// DeltaState with real Envoy messages: subscribe/unsubscribe bookkeeping, per-resource versions, removals,
// NACK keeping the last good config, initial_resource_versions on a new stream, and Envoy's order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Cluster_DiscoveryType, ClusterSchema } from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import { RouterSchema } from '../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import { HttpConnectionManagerSchema } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { DeltaDiscoveryResponseSchema } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import { deltaRequestMessage } from './delta-client.js';
import { type DeltaRequestSpec, DeltaState } from './delta-state.js';
import { TypeUrl } from './registry.js';

const ads = { configSourceSpecifier: { case: 'ads' as const, value: {} } };
let nonces = 0;

/** The name a resource goes by: `name`, or a ClusterLoadAssignment's `cluster_name`. */
function nameOf(r: unknown): string {
  const named = r as { name?: string; clusterName?: string };
  return named.name ?? named.clusterName ?? '';
}

/** A delta response: `resources` as [version, message] pairs, `removed` names. */
function delta<D extends DescMessage>(
  typeUrl: string,
  schema: D,
  resources: [string, MessageShape<D>][],
  removed: string[] = [],
  system = 'sys',
) {
  return create(DeltaDiscoveryResponseSchema, {
    typeUrl,
    systemVersionInfo: system,
    nonce: `n${++nonces}`,
    resources: resources.map(([version, r]) => ({
      name: nameOf(r),
      version,
      resource: anyPack(schema, r),
    })),
    removedResources: removed,
  });
}

const eds = (name: string) =>
  create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads },
  });

const cla = (name: string, port = 8080) =>
  create(ClusterLoadAssignmentSchema, {
    clusterName: name,
    endpoints: [
      {
        lbEndpoints: [
          {
            hostIdentifier: {
              case: 'endpoint',
              value: {
                address: {
                  address: {
                    case: 'socketAddress',
                    value: { address: '127.0.0.1', portSpecifier: { case: 'portValue', value: port } },
                  },
                },
              },
            },
          },
        ],
      },
    ],
  });

function listener(name: string, route: string) {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: name,
    routeSpecifier: { case: 'rds', value: { routeConfigName: route, configSource: ads } },
    httpFilters: [
      {
        name: 'router',
        configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema)) },
      },
    ],
  });
  return create(ListenerSchema, {
    name,
    address: {
      address: {
        case: 'socketAddress',
        value: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: 8080 } },
      },
    },
    filterChains: [
      {
        filters: [
          {
            name: 'hcm',
            configType: { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, hcm) },
          },
        ],
      },
    ],
  });
}

const route = (name: string, domain = '*') =>
  create(RouteConfigurationSchema, { name, virtualHosts: [{ name: 'vh', domains: [domain] }] });

const SHORT: Record<string, string> = {
  [TypeUrl.cluster]: 'cds',
  [TypeUrl.endpoint]: 'eds',
  [TypeUrl.listener]: 'lds',
  [TypeUrl.route]: 'rds',
  [TypeUrl.secret]: 'sds',
};
/** `type nonce +subscribed -unsubscribed [NACK]`, one string per request. */
const summary = (specs: DeltaRequestSpec[]) =>
  specs.map((s) =>
    [
      SHORT[s.typeUrl],
      s.responseNonce || '-',
      ...s.subscribe.map((n) => `+${n}`),
      ...s.unsubscribe.map((n) => `-${n}`),
      ...(s.errorDetail ? ['NACK'] : []),
    ].join(' '),
  );

/** Brings a state to: clusters a, b (with endpoints), listener l → route r, all served. */
function warmedUp() {
  const st = new DeltaState();
  st.streamStarted();
  st.handleResponse(
    delta(TypeUrl.cluster, ClusterSchema, [
      ['c1', eds('a')],
      ['c1', eds('b')],
    ]),
    1,
  );
  st.handleResponse(
    delta(TypeUrl.endpoint, ClusterLoadAssignmentSchema, [
      ['e1', cla('a')],
      ['e1', cla('b')],
    ]),
    2,
  );
  st.handleResponse(delta(TypeUrl.listener, ListenerSchema, [['l1', listener('l', 'r')]]), 3);
  st.handleResponse(delta(TypeUrl.route, RouteConfigurationSchema, [['r1', route('r')]]), 4);
  return st;
}

test('first requests: wildcard CDS with an empty subscribe list; EDS names follow clusters; LDS after warm clusters', () => {
  const st = new DeltaState();
  const first = st.streamStarted();
  assert.deepEqual(summary(first), ['cds -']);
  assert.deepEqual(first[0].initialResourceVersions, {});
  const r = st.handleResponse(
    delta(TypeUrl.cluster, ClusterSchema, [
      ['c1', eds('a')],
      ['c1', eds('b')],
    ]),
    0,
  );
  assert.deepEqual(
    summary(r.requests),
    ['eds - +a +b', `cds n${nonces}`],
    'EDS subscribed before the CDS ACK',
  );
  assert.equal(st.resources().clusters.size, 0, 'clusters warm until their endpoints arrive');
  assert.equal(st.waitingForInitialFetch, true);

  const e = st.handleResponse(
    delta(TypeUrl.endpoint, ClusterLoadAssignmentSchema, [
      ['e1', cla('a')],
      ['e1', cla('b')],
    ]),
    0,
  );
  assert.deepEqual(
    summary(e.requests),
    [`eds n${nonces}`, 'lds -'],
    'ACK, then LDS once the clusters are warm',
  );
  assert.deepEqual([...st.resources().clusters.keys()].sort(), ['a', 'b']);

  const l = st.handleResponse(delta(TypeUrl.listener, ListenerSchema, [['l1', listener('l', 'r')]]), 0);
  assert.deepEqual(summary(l.requests), ['rds - +r', `lds n${nonces}`]);
  assert.equal(st.resources().listeners.size, 0, 'the listener warms until its route arrives');
  st.handleResponse(delta(TypeUrl.route, RouteConfigurationSchema, [['r1', route('r')]]), 0);
  assert.deepEqual([...st.resources().listeners.keys()], ['l']);
});

test('a delta update touches only the named resources; removed_resources removes exactly those', () => {
  const st = warmedUp();
  const a = st.resources().clusters.get('a');
  // Only b changes: a's object must stay the very same.
  const upd = st.handleResponse(delta(TypeUrl.cluster, ClusterSchema, [['c2', eds('b')]], [], 'sys2'), 5);
  assert.equal(upd.changed, true);
  assert.equal(st.resources().clusters.get('a'), a, 'an untouched cluster is kept as is');
  const status = st.status('cluster');
  assert.equal(status.versionInfo, 'sys2', 'system_version_info is the type version in config_dump');
  assert.deepEqual(
    status.resources.map((r) => [r.name, r.versionInfo]),
    [
      ['a', 'c1'],
      ['b', 'c2'],
    ],
    'per-resource versions',
  );

  // Removing cluster b: it goes, and its endpoints are unsubscribed (and forgotten).
  const rm = st.handleResponse(delta(TypeUrl.cluster, ClusterSchema, [], ['b']), 6);
  assert.deepEqual(summary(rm.requests), ['eds - -b', `cds n${nonces}`]);
  assert.deepEqual([...st.resources().clusters.keys()], ['a']);
  assert.deepEqual([...st.resources().endpoints.keys()], ['a']);
  assert.deepEqual(st.status('endpoint').resourceNames, ['a']);

  // An EDS removal drops just that assignment; the subscription stays.
  st.handleResponse(delta(TypeUrl.endpoint, ClusterLoadAssignmentSchema, [], ['a']), 7);
  assert.equal(st.resources().endpoints.size, 0);
  assert.deepEqual(st.status('endpoint').resourceNames, ['a']);

  // A name nobody subscribed to is not held.
  st.handleResponse(delta(TypeUrl.endpoint, ClusterLoadAssignmentSchema, [['x', cla('zzz')]]), 8);
  assert.equal(st.resources().endpoints.has('zzz'), false);
});

test('an invalid resource NACKs the whole response with its field path and keeps the last good config', () => {
  const st = warmedUp();
  const before = st.resources();
  const bad = create(RouteConfigurationSchema, {
    name: 'r',
    virtualHosts: [
      {
        name: 'vh',
        domains: ['*'],
        routes: [{ match: { pathSpecifier: { case: 'safeRegex', value: { regex: '(?=x)' } } } }],
      },
    ],
  });
  const r = st.handleResponse(delta(TypeUrl.route, RouteConfigurationSchema, [['r2', bad]], [], 'bad'), 9);
  assert.equal(r.changed, false);
  assert.ok(r.nack);
  assert.deepEqual(summary(r.requests), [`rds n${nonces} NACK`]);
  const detail = r.requests[0].errorDetail;
  assert.ok(detail);
  assert.equal(detail.code, 3);
  assert.match(detail.message, /^r: virtual_hosts\[0\]\.routes\[0\]/);
  assert.equal(st.resources().routes.get('r'), before.routes.get('r'), 'last good route kept');
  const status = st.status('route');
  assert.equal(status.lastNack?.versionInfo, 'bad');
  assert.equal(status.resources[0].versionInfo, 'r1', 'held version unchanged');
  // A removal in a rejected response is not applied either.
  st.handleResponse(
    delta(
      TypeUrl.cluster,
      ClusterSchema,
      [['c9', create(ClusterSchema, { name: 'x', connectTimeout: { seconds: -1n } })]],
      ['a'],
    ),
    10,
  );
  assert.ok(st.resources().clusters.has('a'));
  // The next good response clears the NACK.
  st.handleResponse(delta(TypeUrl.route, RouteConfigurationSchema, [['r3', route('r', 'example.com')]]), 11);
  assert.equal(st.status('route').lastNack, undefined);
  assert.equal(st.resources().routes.get('r')?.virtualHosts[0].domains[0], 'example.com');
});

test('a new stream re-sends every subscription with the versions held; the wire message carries them', () => {
  const st = warmedUp();
  st.handleResponse(delta(TypeUrl.cluster, ClusterSchema, [['c2', eds('b')]]), 5);
  const again = st.streamStarted();
  assert.deepEqual(summary(again), ['cds -', 'eds - +a +b', 'lds -', 'rds - +r']);
  const byType = Object.fromEntries(again.map((s) => [SHORT[s.typeUrl], s.initialResourceVersions]));
  assert.deepEqual(byType.cds, { a: 'c1', b: 'c2' });
  assert.deepEqual(byType.eds, { a: 'e1', b: 'e1' });
  assert.deepEqual(byType.lds, { l: 'l1' });
  assert.deepEqual(byType.rds, { r: 'r1' });
  const msg = deltaRequestMessage(again[1]);
  assert.deepEqual(msg.resourceNamesSubscribe, ['a', 'b']);
  assert.deepEqual(msg.initialResourceVersions, { a: 'e1', b: 'e1' });
  assert.equal(msg.responseNonce, '');
  // Served config survives the reconnect untouched.
  assert.deepEqual([...st.resources().listeners.keys()], ['l']);
});

test('a listener switching routes subscribes the new name and unsubscribes the old once it is gone', () => {
  const st = warmedUp();
  const old = st.resources().listeners.get('l');
  const r = st.handleResponse(delta(TypeUrl.listener, ListenerSchema, [['l2', listener('l', 'r2')]]), 5);
  // The old version still serves while warming, so r stays subscribed until r2 arrives.
  assert.deepEqual(summary(r.requests), ['rds - +r2', `lds n${nonces}`]);
  assert.equal(st.resources().listeners.get('l'), old);
  const r2 = st.handleResponse(delta(TypeUrl.route, RouteConfigurationSchema, [['x1', route('r2')]]), 6);
  assert.deepEqual(summary(r2.requests), ['rds - -r', `rds n${nonces}`]);
  assert.notEqual(st.resources().listeners.get('l'), old);
  assert.deepEqual([...st.resources().routes.keys()], ['r2']);
});

test('an unknown type is NACKed; a wrong type inside a response is NACKed by position', () => {
  const st = new DeltaState();
  st.streamStarted();
  const u = st.handleResponse(
    create(DeltaDiscoveryResponseSchema, { typeUrl: 'type.googleapis.com/x.Y', nonce: 'q' }),
    0,
  );
  assert.equal(u.requests[0].errorDetail?.code, 3);
  assert.equal(u.requests[0].responseNonce, 'q');
  const w = st.handleResponse(
    create(DeltaDiscoveryResponseSchema, {
      typeUrl: TypeUrl.cluster,
      nonce: 'w',
      resources: [{ name: 'l', version: '1', resource: anyPack(ListenerSchema, listener('l', 'r')) }],
    }),
    0,
  );
  assert.match(w.requests[0].errorDetail?.message ?? '', /^l: resource type .*Listener does not match/);
});
