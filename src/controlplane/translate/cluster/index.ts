// Every cluster a proxy gets: outbound clusters of the services it may see, inbound clusters of its own
// ports (sidecars), SNI-DNAT clusters (routers with an AUTO_PASSTHROUGH server), and Istio's
// BlackHoleCluster / PassthroughCluster.
import { create, toBinary } from '@bufbuild/protobuf';
import { type Any, AnySchema, anyPack } from '@bufbuild/protobuf/wkt';
import { type Cluster, ClusterSchema } from '../../../generated/envoy/config/cluster/v3/cluster_pb.js';
import type { Service } from '../../model/service.js';
import { contentId, memo, memoAcrossSnapshots, objectId, resourceKey } from '../cache.js';
import type { TranslateContext } from '../context.js';
import { inboundPorts } from '../inbound-ports.js';
import { istioConfigPath } from '../names.js';
import { serviceIdentities } from '../security/identity.js';
import { namespaceMtlsMode } from '../security/peer-authn.js';
import { encodeMetadata } from '../struct-wire.js';
import { concat, lengthDelimited } from '../wire.js';
import { inboundCluster } from './inbound.js';
import { type ClusterSecurity, outboundClusters } from './outbound.js';
import { sniDnatClusters } from './sni-dnat.js';
import { blackHoleCluster, passthroughCluster } from './special.js';

export interface PackedCluster {
  name: string;
  resource: Any;
}

/**
 * A service's outbound clusters, as messages and packed, cached per snapshot by the service and the
 * DestinationRule that applies (with the snapshot, the only inputs they depend on).
 */
function serviceClusters(
  ctx: TranslateContext,
  svc: Service,
): { messages: Cluster[]; packed: PackedCluster[] } {
  const dr = ctx.destinationRule(svc.hostname);
  return memo(ctx.snapshot, `cds|${svc.hostname}|${resourceKey(dr)}`, () => {
    const dns = (port: number) => ctx.snapshot.instancesOf(svc.hostname, port);
    const security: ClusterSecurity = {
      autoMtls: ctx.snapshot.mesh.enableAutoMtls && ctx.snapshot.mesh.meshMtls,
      namespaceMode: namespaceMtlsMode(ctx.snapshot, svc.namespace),
      identities: serviceIdentities(ctx.snapshot, svc),
    };
    // Across snapshots: the service and its DestinationRule by content, its TLS inputs, and for DNS and
    // passthrough services the endpoints they list (addresses, whether each has a sidecar).
    const endpointsKey =
      svc.resolution !== 'EDS' || JSON.stringify(dr?.spec ?? {}).includes('PASSTHROUGH')
        ? JSON.stringify(
            svc.ports.map((p) => dns(p.port).map((i) => `${i.address}:${i.port}:${i.tlsMode ?? ''}`)),
          )
        : '';
    const key = `cds|${JSON.stringify(svc)}|${contentId(dr)}|${JSON.stringify(security)}|${endpointsKey}`;
    return memoAcrossSnapshots(ctx.snapshot, key, () => {
      const messages = outboundClusters(svc, dr?.spec, dns, security, dr && istioConfigPath(dr));
      return { messages, packed: messages.map((c) => ({ name: c.name, resource: packCluster(c) })) };
    });
  });
}

const CLUSTER_TYPE_URL = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
/** Cluster.metadata's field number. */
const METADATA_FIELD = 25;

/**
 * Packs a cluster as Any, writing its Struct metadata with the hand encoder (field order does not matter in
 * protobuf, so the metadata bytes are appended to the rest of the cluster's).
 */
export function packCluster(c: Cluster): Any {
  const fm = c.metadata?.filterMetadata;
  if (!fm || Object.keys(c.metadata?.typedFilterMetadata ?? {}).length > 0) return anyPack(ClusterSchema, c);
  const rest = toBinary(ClusterSchema, { ...c, metadata: undefined });
  const value = concat([
    rest,
    ...lengthDelimited(METADATA_FIELD, encodeMetadata(fm as Parameters<typeof encodeMetadata>[0])),
  ]);
  return create(AnySchema, { typeUrl: CLUSTER_TYPE_URL, value });
}

function localClusters(ctx: TranslateContext): Cluster[] {
  const out: Cluster[] = [];
  if (ctx.proxy.type === 'sidecar') for (const p of inboundPorts(ctx)) out.push(inboundCluster(p));
  else out.push(...sniDnatClusters(ctx, (svc) => serviceClusters(ctx, svc).messages));
  out.push(blackHoleCluster(), passthroughCluster());
  return out;
}

export function clustersFor(ctx: TranslateContext): Cluster[] {
  const out: Cluster[] = [];
  for (const svc of ctx.visibleServices()) out.push(...serviceClusters(ctx, svc).messages);
  out.push(...localClusters(ctx));
  return out;
}

/** The same clusters packed as Any, reusing the cached encodings of service clusters. */
export function packedClustersFor(ctx: TranslateContext): PackedCluster[] {
  // The outbound part depends on which services the proxy sees (its type, namespace and Sidecar) and the
  // DestinationRule of each (its namespace): shared by every proxy with the same view.
  const { proxy, snapshot } = ctx;
  const view = `${proxy.type}|${proxy.namespace}|${objectId(snapshot.sidecarFor(proxy))}`;
  const outbound = memo(snapshot, `cds-outbound|${view}`, () =>
    ctx.visibleServices().flatMap((svc) => serviceClusters(ctx, svc).packed),
  );
  const out = [...outbound];
  for (const c of localClusters(ctx)) out.push({ name: c.name, resource: anyPack(ClusterSchema, c) });
  return out;
}
