// `trellis proxy`: runs the Trellis data plane from an Envoy bootstrap file (static resources, and ADS when
// the bootstrap or --xds names a management server), with the admin API when the bootstrap configures one.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AdminServer } from '../proxy/admin/server.js';
import type { ServerState } from '../proxy/admin/source.js';
import type { Bootstrap, ProxyResources } from '../proxy/config/bootstrap.js';
import type { AccessLog } from '../proxy/config/listener.js';
import type { AccessLogEntry, AccessLogSink } from '../proxy/http/access-log-entry.js';
import type { AdsClient } from '../proxy/xds-client/ads-client.js';
import type { WorkloadIdentity } from '../runtime/cert-client/workload-identity.js';
import { applyProxyHeapFlags, applyServingHeapFlags } from './proxy-heap.js';

interface ProxyCliOptions {
  config: string;
  xds?: string;
  adminPort?: string;
  caAddress?: string;
  tokenFile?: string;
}

/** The bootstrap's static resources as a resource set. */
export function staticResources(b: Bootstrap): ProxyResources {
  return {
    listeners: new Map(b.listeners.map((l) => [l.name, l])),
    clusters: new Map(b.clusters.map((c) => [c.name, c])),
    routes: new Map(b.routes.map((r) => [r.name, r])),
    endpoints: new Map(b.endpoints.map((e) => [e.clusterName, e])),
  };
}

/** Static resources with the dynamic ones layered on top (dynamic names never replace static ones). */
export function mergeResources(base: ProxyResources, dyn: ProxyResources): ProxyResources {
  const merge = <T>(a: Map<string, T>, b: Map<string, T>) => new Map([...b, ...a]);
  return {
    listeners: merge(base.listeners, dyn.listeners),
    clusters: merge(base.clusters, dyn.clusters),
    routes: merge(base.routes, dyn.routes),
    endpoints: merge(base.endpoints, dyn.endpoints),
    // SDS secrets go to the secret store's ADS layer; the bootstrap's static ones are its local layer.
    secrets: dyn.secrets,
  };
}

export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description('run the Trellis proxy (the sidecar/gateway data plane) from an Envoy bootstrap')
    .requiredOption('--config <file>', 'Envoy v3 bootstrap, YAML or JSON')
    .option('--xds <host:port>', 'management server for ADS (overrides the bootstrap ads_config)')
    .option('--admin-port <port>', "admin API port (overrides the bootstrap's; 0 = any free port)")
    .option(
      '--token-file <file>',
      "the workload's bootstrap token: with it the proxy gets its certificate (SDS `default`, `ROOTCA`) from the CA",
    )
    .option('--ca-address <host:port>', 'the CA (default: the xDS address)')
    .action(async (o: ProxyCliOptions) => {
      // Before anything big is loaded: start-up garbage would otherwise grow the young generation for good.
      applyProxyHeapFlags();
      // Loaded here, not at the top, so registering the command (e.g. for `trellis --help`) costs nothing,
      // and the gRPC client and the admin server load only when the bootstrap configures them.
      const [
        { decodeBootstrapDetailed, adsTargetOf },
        { ProxyServer },
        { StatsStore },
        { AccessLogManager },
        { SecretStore },
      ] = await Promise.all([
        import('../proxy/xds-client/decode-bootstrap.js'),
        import('../proxy/server.js'),
        import('../proxy/stats/store.js'),
        import('../proxy/stats/access-log/manager.js'),
        import('../proxy/secrets/secret-store.js'),
      ]);
      const log = (line: string) => process.stdout.write(`${line}\n`);
      const decoded = decodeBootstrapDetailed(readFileSync(o.config, 'utf8'), o.config);
      if (!decoded.ok) {
        for (const e of decoded.errors)
          process.stderr.write(`${o.config}: ${e.path ? `${e.path}: ` : ''}${e.message}\n`);
        process.exit(2);
      }
      const { bootstrap, json } = decoded.value;
      const stats = new StatsStore();
      const logs = new AccessLogManager({ stats });
      const accessLogFor = (configs: AccessLog[]): AccessLogSink | undefined => {
        const sinks: AccessLogSink[] = [];
        for (const c of configs) {
          const r = logs.create(c);
          if (r.ok) sinks.push(r.value);
          else log(`access log ${c.path}: ${r.errors.map((e) => e.message).join('; ')}`);
        }
        if (sinks.length === 0) return undefined;
        return sinks.length === 1
          ? sinks[0]
          : {
              log: (e: AccessLogEntry) => {
                for (const s of sinks) s.log(e);
              },
            };
      };
      const proxy = new ProxyServer({
        stats,
        accessLogFor,
        secretStore: new SecretStore({ static: bootstrap.secrets }),
        localNode: bootstrap.node,
      });
      const base = staticResources(bootstrap);
      let state: ServerState = 'INITIALIZING';
      // Live once the config is served and, with a CA, the first certificate is in (Envoy waits for SDS).
      let configServed = false;
      const goLive = () => {
        configServed = true;
        if (identity !== undefined && identity.current() === undefined) return;
        if (state === 'INITIALIZING') applyServingHeapFlags();
        state = 'LIVE';
      };
      proxy.apply(base);
      const target = o.xds ?? adsTargetOf(bootstrap);
      const caAddress = o.caAddress ?? target;
      if (o.tokenFile !== undefined && caAddress === undefined)
        throw new Error('--token-file needs a CA: give --ca-address or an xDS server');
      let identity: WorkloadIdentity | undefined;
      if (o.tokenFile !== undefined && caAddress !== undefined) {
        const { startWorkloadIdentity } = await import('../runtime/cert-client/workload-identity.js');
        identity = startWorkloadIdentity({
          caAddress,
          tokenFile: o.tokenFile,
          log,
          onSecrets: (fresh) => {
            proxy.secrets.set(fresh);
            ads?.localSecretsChanged();
            if (configServed) goLive();
          },
        });
      }
      let ads: AdsClient | undefined;
      if (target !== undefined) {
        const { AdsClient } = await import('../proxy/xds-client/ads-client.js');
        ads = new AdsClient({
          target,
          node: bootstrap.node,
          apiType: bootstrap.ads?.apiType,
          cds: o.xds !== undefined || bootstrap.dynamicCds,
          lds: o.xds !== undefined || bootstrap.dynamicLds,
          // The certificate agent's secrets: resources naming them wait for the agent, not for SDS.
          hasLocalSecret: (name) => {
            const e = proxy.secrets.entry(name);
            return e !== undefined && e.origin !== 'ads';
          },
          onUpdate: (r) => {
            proxy.apply(mergeResources(base, r));
            proxy
              .ready()
              .then(goLive, (err: unknown) =>
                log(`listener bind failed: ${err instanceof Error ? err.message : String(err)}`),
              );
          },
          onEvent: (e) => {
            if (e.kind === 'nack')
              log(`xDS NACK ${e.typeUrl}: ${e.nack.errors.map((x) => x.errors[0]?.message).join('; ')}`);
            if (e.kind === 'disconnected') log(`xDS disconnected: ${e.error}; retrying in ${e.retryInMs} ms`);
          },
        });
        // Certificate files the proxy watches: a listener waiting for one (unreadable at first) starts when it
        // becomes good, without waiting for the next push.
        proxy.secrets.onChange((names) => {
          if (names.some((n) => proxy.secrets.entry(n)?.origin === 'file')) ads?.localSecretsChanged();
        });
        ads.start();
      } else {
        await proxy.ready();
        goLive();
      }
      let admin: AdminServer | undefined;
      const shutdown = async () => {
        state = 'DRAINING';
        identity?.close();
        ads?.stop();
        await proxy.close();
        await admin?.close();
      };
      const adminPort = o.adminPort !== undefined ? Number(o.adminPort) : bootstrap.admin?.port;
      if (adminPort !== undefined) {
        const [{ AdminServer }, { proxyAdminSource }] = await Promise.all([
          import('../proxy/admin/server.js'),
          import('./proxy-admin-source.js'),
        ]);
        admin = new AdminServer({
          source: proxyAdminSource({
            node: bootstrap.node,
            bootstrapJson: json,
            proxy,
            ads,
            state: () => state,
            shutdown,
            localSections: () => [proxy.secretsConfigDump()],
          }),
          stats,
          host: bootstrap.admin?.host ?? '127.0.0.1',
          port: adminPort,
        });
        const a = await admin.start();
        log(`admin API on http://${a.host}:${a.port}`);
      }
      for (const l of proxy.listenerViews()) {
        if (l.boundAddress) log(`listener ${l.name} on ${l.boundAddress.host}:${l.boundAddress.port}`);
      }
      log(
        `proxy ${bootstrap.node.id || '(no node id)'} ${target ? `using xDS at ${target}` : 'serving static config'}`,
      );
      const stop = () => {
        shutdown().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
