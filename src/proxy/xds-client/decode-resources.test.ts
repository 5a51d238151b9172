// xDS resource decoders on generated message objects (as they arrive over ADS): clusters, endpoints,
// listeners and route configurations, their defaults, and NACKs with field paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import type { Result } from '../../common/result.js';
import {
  Cluster_DiscoveryType,
  Cluster_LbPolicy,
  ClusterSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import { HealthStatus } from '../../generated/envoy/config/core/v3/health_check_pb.js';
import { ClusterLoadAssignmentSchema } from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import { ListenerSchema } from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../generated/envoy/config/route/v3/route_pb.js';
import { HTTPFaultSchema } from '../../generated/envoy/extensions/filters/http/fault/v3/fault_pb.js';
import { RouterSchema } from '../../generated/envoy/extensions/filters/http/router/v3/router_pb.js';
import { HttpConnectionManagerSchema } from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { TcpProxySchema } from '../../generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import { decodeCluster } from './decode-cluster.js';
import { decodeClusterLoadAssignment } from './decode-endpoint.js';
import { decodeListener } from './decode-listener.js';
import { decodeRouteConfiguration } from './decode-route.js';

const ads = { configSourceSpecifier: { case: 'ads' as const, value: {} } };
const socket = (address: string, port: number) => ({
  address: {
    case: 'socketAddress' as const,
    value: { address, portSpecifier: { case: 'portValue' as const, value: port } },
  },
});

function errorsOf<T>(r: Result<T>): string[] {
  if (r.ok) assert.fail('expected errors');
  return r.errors.map((e) => `${e.path}: ${e.message}`);
}

function decodedValue<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  return r.value;
}

test('EDS cluster: service name, defaults, outlier detection defaults, and EDS config must be ADS', () => {
  const c = decodedValue(
    decodeCluster(
      create(ClusterSchema, {
        name: 'outbound|9080||reviews.default.svc.cluster.local',
        clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
        edsClusterConfig: { edsConfig: ads, serviceName: 'reviews.default' },
        lbPolicy: Cluster_LbPolicy.RANDOM,
        outlierDetection: {},
      }),
    ),
  );
  assert.equal(c.type, 'EDS');
  assert.equal(c.edsServiceName, 'reviews.default');
  assert.equal(c.lbPolicy, 'RANDOM');
  assert.equal(c.connectTimeoutMs, 5000);
  assert.equal(c.outlierDetection?.consecutive5xx, 5);
  assert.equal(c.outlierDetection?.enforcingConsecutiveGatewayFailure, 0);
  assert.equal(c.outlierDetection?.maxEjectionTimeMs, 300_000);

  const errs = errorsOf(
    decodeCluster(
      create(ClusterSchema, {
        name: 'x',
        clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
        edsClusterConfig: { edsConfig: { configSourceSpecifier: { case: 'path', value: '/etc/eds.yaml' } } },
      }),
    ),
  );
  assert.deepEqual(errs, ['eds_cluster_config.eds_config.path: not supported by Trellis']);
});

test('cluster NACKs: missing load assignment, ORIGINAL_DST without CLUSTER_PROVIDED, STATIC with a host name', () => {
  assert.deepEqual(
    errorsOf(
      decodeCluster(
        create(ClusterSchema, {
          name: 'a',
          clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.STRICT_DNS },
        }),
      ),
    ),
    ['load_assignment: required for type STRICT_DNS'],
  );
  assert.deepEqual(
    errorsOf(
      decodeCluster(
        create(ClusterSchema, {
          name: 'b',
          clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.ORIGINAL_DST },
        }),
      ),
    ),
    ['lb_policy: CLUSTER_PROVIDED goes with (and only with) type ORIGINAL_DST'],
  );
  const named = create(ClusterSchema, {
    name: 'c',
    loadAssignment: {
      clusterName: 'c',
      endpoints: [
        {
          lbEndpoints: [
            { hostIdentifier: { case: 'endpoint', value: { address: socket('db.local', 5432) } } },
          ],
        },
      ],
    },
  });
  assert.match(
    errorsOf(decodeCluster(named))[0],
    /^load_assignment: STATIC cluster endpoint "db.local" must be an IP address/,
  );
});

test('ClusterLoadAssignment: priorities, health, weights, overprovisioning; gaps in priorities are NACKed', () => {
  const cla = decodedValue(
    decodeClusterLoadAssignment(
      create(ClusterLoadAssignmentSchema, {
        clusterName: 'reviews',
        policy: { overprovisioningFactor: 200 },
        endpoints: [
          {
            locality: { region: 'eu', zone: 'a' },
            loadBalancingWeight: 2,
            lbEndpoints: [
              {
                hostIdentifier: {
                  case: 'endpoint',
                  value: { address: socket('10.0.0.1', 9080), hostname: 'r1' },
                },
                healthStatus: HealthStatus.HEALTHY,
                loadBalancingWeight: 5,
              },
              {
                hostIdentifier: { case: 'endpoint', value: { address: socket('10.0.0.2', 9080) } },
                healthStatus: HealthStatus.DRAINING,
              },
            ],
          },
          {
            priority: 1,
            lbEndpoints: [
              { hostIdentifier: { case: 'endpoint', value: { address: socket('10.0.1.1', 9080) } } },
            ],
          },
        ],
      }),
    ),
  );
  assert.equal(cla.overprovisioningFactor, 200);
  assert.deepEqual(
    cla.localities.map((l) => [
      l.priority,
      l.weight,
      l.locality.zone,
      l.endpoints.map((e) => [e.address.host, e.weight, e.healthStatus]),
    ]),
    [
      [
        0,
        2,
        'a',
        [
          ['10.0.0.1', 5, 'HEALTHY'],
          ['10.0.0.2', 1, 'DRAINING'],
        ],
      ],
      [1, undefined, '', [['10.0.1.1', 1, 'UNKNOWN']]],
    ],
  );
  assert.equal(cla.localities[0].endpoints[0].hostname, 'r1');

  const gap = create(ClusterLoadAssignmentSchema, {
    clusterName: 'x',
    endpoints: [
      {
        priority: 2,
        lbEndpoints: [{ hostIdentifier: { case: 'endpoint', value: { address: socket('10.0.0.1', 1) } } }],
      },
    ],
  });
  assert.match(
    errorsOf(decodeClusterLoadAssignment(gap))[0],
    /^endpoints: priorities must be contiguous from 0/,
  );
  assert.deepEqual(errorsOf(decodeClusterLoadAssignment(create(ClusterLoadAssignmentSchema, {}))), [
    'cluster_name: required',
  ]);
});

test('RouteConfiguration: duplicate domains, bad weighted totals and header regexes are NACKed with paths', () => {
  const rc = create(RouteConfigurationSchema, {
    name: '9080',
    virtualHosts: [
      { name: 'a', domains: ['reviews', 'reviews:9080'], routes: [] },
      {
        name: 'b',
        domains: ['reviews'],
        routes: [
          {
            match: {
              pathSpecifier: { case: 'prefix', value: '/' },
              headers: [
                { name: 'x-user', headerMatchSpecifier: { case: 'safeRegexMatch', value: { regex: '(?<' } } },
              ],
            },
            action: {
              case: 'route',
              value: {
                clusterSpecifier: {
                  case: 'weightedClusters',
                  value: {
                    clusters: [
                      { name: 'v1', weight: 50 },
                      { name: 'v2', weight: 40 },
                    ],
                    totalWeight: 100,
                  },
                },
              },
            },
          },
        ],
      },
    ],
  });
  const errs = errorsOf(decodeRouteConfiguration(rc));
  assert.ok(
    errs.some((e) =>
      /^virtual_hosts\[1\]\.routes\[0\]\.match\.headers\[0\]\.safe_regex_match\.regex: invalid RE2 pattern/.test(
        e,
      ),
    ),
    errs.join('\n'),
  );
  assert.ok(
    errs.includes(
      'virtual_hosts[1].routes[0].route.weighted_clusters.total_weight: is 100 but the weights sum to 90',
    ),
    errs.join('\n'),
  );
  assert.ok(errs.includes('virtual_hosts[1]: domain "reviews" is also in virtual_hosts[0]'), errs.join('\n'));
});

test('Listener from binary: HCM over RDS, filters keep their config; unknown network filter types are NACKed', () => {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: 'outbound_0.0.0.0_9080',
    routeSpecifier: { case: 'rds', value: { routeConfigName: '9080', configSource: ads } },
    httpFilters: [
      {
        name: 'envoy.filters.http.fault',
        configType: {
          case: 'typedConfig',
          value: anyPack(HTTPFaultSchema, create(HTTPFaultSchema, { maxActiveFaults: 5 })),
        },
      },
      {
        name: 'envoy.filters.http.router',
        configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema)) },
      },
    ],
  });
  const listener = create(ListenerSchema, {
    name: '0.0.0.0_9080',
    address: socket('0.0.0.0', 9080),
    bindToPort: false,
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
  // Through the wire format, as ADS delivers it.
  const wire = fromBinary(ListenerSchema, toBinary(ListenerSchema, listener));
  const l = decodedValue(decodeListener(wire));
  assert.equal(l.bindToPort, false);
  assert.equal(l.drainTimeMs, 600_000);
  const f = l.filterChains[0].filter;
  assert.equal(f.kind, 'http');
  if (f.kind !== 'http') return;
  assert.deepEqual(f.routes, { kind: 'rds', name: '9080' });
  assert.deepEqual(f.httpFilters[0].config, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    max_active_faults: 5,
  });

  const unknown = create(ListenerSchema, {
    name: 'x',
    address: socket('0.0.0.0', 1),
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.local_ratelimit',
            configType: {
              case: 'typedConfig',
              value: {
                typeUrl:
                  'type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit',
                value: new Uint8Array(),
              },
            },
          },
          {
            name: 'tcp',
            configType: {
              case: 'typedConfig',
              value: anyPack(
                TcpProxySchema,
                create(TcpProxySchema, {
                  statPrefix: 't',
                  clusterSpecifier: { case: 'cluster', value: 'c' },
                }),
              ),
            },
          },
        ],
      },
    ],
  });
  assert.deepEqual(errorsOf(decodeListener(unknown)), [
    'filter_chains[0].filters[0].typed_config.@type: network filter type type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit not supported by Trellis',
  ]);
});

test('addresses: listeners bind IPs only, and EDS endpoints are IPs (names belong to DNS clusters)', () => {
  const l = create(ListenerSchema, {
    name: 'l',
    address: socket('localhost', 8080),
    filterChains: [
      {
        filters: [
          {
            name: 'tcp',
            configType: {
              case: 'typedConfig',
              value: anyPack(
                TcpProxySchema,
                create(TcpProxySchema, {
                  statPrefix: 't',
                  clusterSpecifier: { case: 'cluster', value: 'c' },
                }),
              ),
            },
          },
        ],
      },
    ],
  });
  assert.deepEqual(errorsOf(decodeListener(l)), [
    'address.socket_address.address: "localhost" is not an IP address',
  ]);
  const cla = create(ClusterLoadAssignmentSchema, {
    clusterName: 'c',
    endpoints: [
      {
        lbEndpoints: [
          { hostIdentifier: { case: 'endpoint', value: { address: socket('db.internal', 5432) } } },
        ],
      },
    ],
  });
  assert.deepEqual(errorsOf(decodeClusterLoadAssignment(cla)), [
    'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address: "db.internal" is not an IP address',
  ]);
});
