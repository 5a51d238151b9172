// Many ADS streams in one process, each a sidecar that subscribes like Envoy (CDS and LDS wildcard, then
// the EDS and RDS names they reference) and ACKs every response at once; they decode only the first
// response of each version to learn those names (all streams are alike), so the control plane is measured.
import { create, fromBinary } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

/** Opens `count` streams to `address`; resolves once each has ACKed its first full config. */
export async function connectStreams(dist, address, count) {
  const [{ adsServiceDefinition }, discovery, clusterPb, listenerPb, hcmPb] = await Promise.all([
    dist('src/controlplane/xds/ads-service.js'),
    dist('src/generated/envoy/service/discovery/v3/discovery_pb.js'),
    dist('src/generated/envoy/config/cluster/v3/cluster_pb.js'),
    dist('src/generated/envoy/config/listener/v3/listener_pb.js'),
    dist(
      'src/generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js',
    ),
  ]);
  const namesCache = new Map();
  /** The EDS or RDS names a CDS or LDS response references (decoded once per version). */
  const referenced = (r) => {
    const key = `${r.typeUrl} ${r.versionInfo}`;
    let names = namesCache.get(key);
    if (names) return names;
    names = [];
    for (const any of r.resources) {
      if (r.typeUrl === CDS) {
        const c = fromBinary(clusterPb.ClusterSchema, any.value);
        if (
          c.clusterDiscoveryType.case === 'type' &&
          c.clusterDiscoveryType.value === clusterPb.Cluster_DiscoveryType.EDS
        )
          names.push(c.edsClusterConfig?.serviceName || c.name);
      } else {
        const l = fromBinary(listenerPb.ListenerSchema, any.value);
        for (const chain of l.filterChains)
          for (const f of chain.filters) {
            if (f.configType.case !== 'typedConfig') continue;
            const hcm = anyUnpack(f.configType.value, hcmPb.HttpConnectionManagerSchema);
            if (hcm?.routeSpecifier.case === 'rds') names.push(hcm.routeSpecifier.value.routeConfigName);
          }
      }
    }
    names = [...new Set(names)].sort();
    namesCache.set(key, names);
    return names;
  };
  const Client = grpc.makeGenericClientConstructor(adsServiceDefinition, 'ads');
  const open = (i) =>
    new Promise((resolve, reject) => {
      const client = new Client(address, grpc.credentials.createInsecure());
      const stream = client.StreamAggregatedResources();
      const node = {
        id: `sidecar~10.250.${Math.floor(i / 250)}.${(i % 250) + 1}~client-${i}.ns-0~ns-0.svc.cluster.local`,
        cluster: 'client.ns-0',
        metadata: { fields: {} },
      };
      const send = (init) => stream.write(create(discovery.DiscoveryRequestSchema, { node, ...init }));
      const subscribed = new Map([
        [CDS, []],
        [LDS, []],
      ]);
      const synced = new Set();
      const s = {
        ackedAt: 0,
        watching: false,
        /** Bytes received per type since the last markChange. */
        pushed: {},
        markChange() {
          s.ackedAt = undefined;
          s.watching = true;
          s.pushed = {};
        },
        close() {
          stream.end();
          client.close();
        },
      };
      stream.on('data', (r) => {
        const names = subscribed.get(r.typeUrl) ?? [];
        send({
          typeUrl: r.typeUrl,
          versionInfo: r.versionInfo,
          responseNonce: r.nonce,
          resourceNames: names,
        });
        if (s.watching && s.ackedAt === undefined) s.ackedAt = performance.now();
        if (s.watching) {
          const k = r.typeUrl.split('.').pop();
          s.pushed[k] = (s.pushed[k] ?? 0) + r.resources.reduce((n, a) => n + a.value.length, 0);
        }
        if (r.typeUrl === CDS || r.typeUrl === LDS) {
          const next = r.typeUrl === CDS ? EDS : RDS;
          const want = referenced(r);
          if (want.join() !== (subscribed.get(next) ?? []).join()) {
            subscribed.set(next, want);
            send({ typeUrl: next, resourceNames: want });
          }
        }
        synced.add(r.typeUrl);
        if (synced.size === 4) resolve(s);
      });
      stream.on('error', (err) => reject(err));
      send({ typeUrl: CDS });
      send({ typeUrl: LDS });
    });
  const streams = [];
  // A few at a time, as proxies start in a real mesh; all of them end up connected.
  for (let i = 0; i < count; i += 20) {
    streams.push(
      ...(await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, k) => open(i + k)))),
    );
  }
  return streams;
}
