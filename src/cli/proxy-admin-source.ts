// Adapts the running proxy (ProxyServer, plus the ADS client when there is one) to the admin API's
// AdminSource: identity, readiness, config_dump sections and /clusters host views.
import type {
  AdminSource,
  ClusterStatusView,
  ConfigDumpSection,
  JsonObject,
  ServerState,
} from '../proxy/admin/source.js';
import type { NodeIdentity } from '../proxy/config/bootstrap.js';
import type { HealthStatus } from '../proxy/config/cluster.js';
import type { ProxyServer } from '../proxy/server.js';
import type { AdsClient } from '../proxy/xds-client/ads-client.js';
import { adsConfigDumpSections } from '../proxy/xds-client/config-dump.js';

export interface ProxyAdminState {
  node: NodeIdentity;
  bootstrapJson: JsonObject;
  proxy: ProxyServer;
  ads: AdsClient | undefined;
  state: () => ServerState;
  shutdown: () => Promise<void>;
  /** Sections from outside ADS (the secret store's); the dump merges sections of one kind. */
  localSections?: () => ConfigDumpSection[];
}

export function proxyAdminSource(s: ProxyAdminState): AdminSource {
  return {
    node: () => s.node,
    readiness: s.state,
    shutdown: s.shutdown,
    configDump(): ConfigDumpSection[] {
      const out: ConfigDumpSection[] = [{ kind: 'bootstrap', bootstrap: s.bootstrapJson }];
      if (s.localSections !== undefined) out.push(...s.localSections());
      if (s.ads !== undefined) out.push(...adsConfigDumpSections(s.ads.status()));
      return out;
    },
    clusters(): ClusterStatusView[] {
      return s.proxy.clusterViews().map((c) => {
        const cb = c.config.circuitBreakers;
        const view = (p: 'DEFAULT' | 'HIGH') => {
          const t = cb.find((x) => x.priority === p);
          return {
            maxConnections: t?.maxConnections ?? 1024,
            maxPendingRequests: t?.maxPendingRequests ?? 1024,
            maxRequests: t?.maxRequests ?? 1024,
            maxRetries: t?.maxRetries ?? 3,
          };
        };
        return {
          name: c.name,
          observabilityName: c.config.altStatName ?? c.name,
          addedViaApi: true,
          edsServiceName: c.config.edsServiceName,
          circuitBreakers: { default: view('DEFAULT'), high: view('HIGH') },
          hosts: c.hosts.map(({ host, connections }) => {
            const eds = (host as { edsHealthStatus?: HealthStatus }).edsHealthStatus ?? 'HEALTHY';
            return {
              address: host.address,
              edsHealthStatus: eds,
              healthFlags: host.healthy || eds !== 'HEALTHY' ? [] : ['failed_outlier_check'],
              weight: host.weight,
              priority: host.priority,
              locality: host.locality,
              stats: [
                { name: 'cx_active', value: connections, type: 'GAUGE' as const },
                { name: 'rq_active', value: host.activeRequests, type: 'GAUGE' as const },
              ],
            };
          }),
        };
      });
    },
  };
}
