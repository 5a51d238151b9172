// TEST-ONLY: a fake AdminSource with settable readiness, canned config sections and clusters, and a
// recorded shutdown, for the admin API's tests. The real AdminSource is the runtime's ProxyServer.
import type { NodeIdentity } from '../config/bootstrap.js';
import type { AdminSource, ClusterStatusView, ConfigDumpSection, JsonObject, ServerState } from './source.js';

export class FakeAdminSourceForTests implements AdminSource {
  state: ServerState = 'PRE_INITIALIZING';
  shutdownCalls = 0;
  healthCheckChanges: boolean[] = [];
  sections: ConfigDumpSection[] = [];
  clusterViews: ClusterStatusView[] = [];
  identity: NodeIdentity = {
    id: 'sidecar~10.0.0.3~productpage-v1-1.default~default.svc.cluster.local',
    cluster: 'productpage.default',
    metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'productpage-v1' },
    locality: { region: 'local', zone: 'a', subZone: '' },
  };

  node(): NodeIdentity {
    return this.identity;
  }
  readiness(): ServerState {
    return this.state;
  }
  configDump(): ConfigDumpSection[] {
    return this.sections;
  }
  clusters(): ClusterStatusView[] {
    return this.clusterViews;
  }
  async shutdown(): Promise<void> {
    this.shutdownCalls++;
  }
  commandLineOptions(): JsonObject {
    return { config_path: '/etc/trellis/bootstrap.yaml' };
  }
  healthCheckFailedChanged(failed: boolean): void {
    this.healthCheckChanges.push(failed);
  }
}

/** A small but complete set of sections: bootstrap, a static and a dynamic listener (one NACKed update), clusters, routes, endpoints, a secret. */
export function sampleSections(): ConfigDumpSection[] {
  const t = Date.UTC(2026, 10, 25, 14, 0, 0);
  return [
    { kind: 'bootstrap', bootstrap: { node: { id: 'sidecar~x' } }, lastUpdated: t },
    {
      kind: 'listeners',
      versionInfo: '2026-11-25T14:00:00Z/7',
      static: [
        {
          name: 'virtualInbound',
          resource: {
            name: 'virtualInbound',
            address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
          },
          lastUpdated: t,
        },
      ],
      dynamic: [
        {
          name: '0.0.0.0_9080',
          versionInfo: '2026-11-25T14:00:00Z/7',
          resource: {
            name: '0.0.0.0_9080',
            address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
          },
          lastUpdated: t,
          error: { details: 'unknown field foo', lastUpdateAttempt: t + 1000, versionInfo: '8' },
        },
      ],
    },
    {
      kind: 'clusters',
      versionInfo: '7',
      static: [{ name: 'xds-grpc', resource: { name: 'xds-grpc', type: 'STATIC' }, lastUpdated: t }],
      dynamic: [
        {
          name: 'outbound|9080||reviews.default.svc.cluster.local',
          versionInfo: '7',
          resource: { name: 'outbound|9080||reviews.default.svc.cluster.local', type: 'EDS' },
          lastUpdated: t,
        },
        {
          name: 'outbound|9080||ratings.default.svc.cluster.local',
          versionInfo: '7',
          state: 'warming',
          resource: { name: 'outbound|9080||ratings.default.svc.cluster.local' },
        },
      ],
    },
    {
      kind: 'routes',
      static: [],
      dynamic: [
        { name: '9080', versionInfo: '7', resource: { name: '9080', virtual_hosts: [] }, lastUpdated: t },
      ],
    },
    {
      kind: 'endpoints',
      static: [],
      dynamic: [
        {
          name: 'outbound|9080||reviews.default.svc.cluster.local',
          versionInfo: '7',
          resource: { cluster_name: 'outbound|9080||reviews.default.svc.cluster.local' },
          lastUpdated: t,
        },
      ],
    },
    {
      kind: 'secrets',
      static: [],
      dynamic: [
        {
          name: 'default',
          versionInfo: '1',
          lastUpdated: t,
          resource: {
            name: 'default',
            tls_certificate: {
              certificate_chain: { inline_bytes: 'Q0VSVA==' },
              private_key: { inline_bytes: 'S0VZ' },
            },
          },
        },
      ],
    },
  ];
}

/** One EDS cluster with a healthy host and an outlier-ejected one. */
export function sampleClusters(): ClusterStatusView[] {
  const cb = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };
  const stats = (total: number) => [
    { name: 'cx_active', value: 1, type: 'GAUGE' as const },
    { name: 'cx_connect_fail', value: 0, type: 'COUNTER' as const },
    { name: 'cx_total', value: 2, type: 'COUNTER' as const },
    { name: 'rq_active', value: 0, type: 'GAUGE' as const },
    { name: 'rq_error', value: 0, type: 'COUNTER' as const },
    { name: 'rq_success', value: total, type: 'COUNTER' as const },
    { name: 'rq_timeout', value: 0, type: 'COUNTER' as const },
    { name: 'rq_total', value: total, type: 'COUNTER' as const },
  ];
  return [
    {
      name: 'outbound|9080||reviews.default.svc.cluster.local',
      addedViaApi: true,
      edsServiceName: 'outbound|9080||reviews.default.svc.cluster.local',
      circuitBreakers: { default: cb, high: cb },
      hosts: [
        {
          address: { host: '10.0.0.7', port: 9080 },
          edsHealthStatus: 'HEALTHY',
          healthFlags: [],
          weight: 1,
          priority: 0,
          locality: { region: 'local', zone: 'a', subZone: '' },
          stats: stats(5),
        },
        {
          address: { host: '10.0.0.8', port: 9080 },
          edsHealthStatus: 'HEALTHY',
          healthFlags: ['failed_outlier_check'],
          weight: 2,
          priority: 0,
          locality: { region: 'local', zone: 'b', subZone: '' },
          stats: stats(0),
        },
      ],
    },
  ];
}
