// The `istio.metadata_exchange` filter at run time, one per connection manager. Inbound (downstream_*):
// the caller's metadata is read from the request and its headers removed before the app sees them; ours
// goes back on the response to callers that sent theirs. Outbound (upstream_*): ours goes on the request,
// the callee's is read from the response and its headers removed before the app sees them. The peers land
// on the request context (downstreamPeer / upstreamPeer) for metrics, access logs and authorization.
import type { Cluster } from '../../../config/cluster.js';
import type { HttpFilter } from '../../../config/listener.js';
import {
  decodePeerMetadataSettings,
  PEER_METADATA_FILTER_NAME,
  type PeerMetadataSettings,
} from './config.js';
import {
  encodePeerMetadata,
  exchangedMetadata,
  PEER_METADATA_HEADER,
  PEER_METADATA_ID_HEADER,
  type PeerInfo,
  PeerMetadataCache,
  peerInfoFromMetadata,
} from './peer-info.js';

/** This proxy's side of the exchange, computed once from the bootstrap node. */
export interface LocalPeer {
  id: string;
  /** The x-envoy-peer-metadata value, base64 computed once (never per request). */
  headerValue: string;
  info: PeerInfo;
}

export function localPeerOf(node: { id: string; metadata: Readonly<Record<string, unknown>> }): LocalPeer {
  const metadata = exchangedMetadata(node.metadata);
  return {
    id: node.id,
    headerValue: encodePeerMetadata(metadata),
    info: peerInfoFromMetadata(node.id, metadata),
  };
}

/** Bits of PeerRequestState.echo: what the caller sent, so the response answers in kind (as Istio does). */
export const SENT_ID = 1;
export const SENT_METADATA = 2;

/** The fields of a request the filter reads and writes (the exchange implements them). */
export interface PeerRequestState {
  downstreamPeer: PeerInfo | undefined;
  upstreamPeer: PeerInfo | undefined;
  /** SENT_ID | SENT_METADATA as received from downstream. */
  peerEcho: number;
}

const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Istio's opt-outs on the cluster: filter_metadata.istio.disable_mx, or .external with skip_external_clusters. */
function skipsCluster(cluster: Cluster, skipExternal: boolean): boolean {
  if (skipExternal && cluster.name === PASSTHROUGH_CLUSTER) return true;
  const istio = cluster.metadata.istio;
  if (!isObject(istio)) return false;
  return istio.disable_mx === true || (skipExternal && istio.external === true);
}

export class PeerMetadataFilter {
  private readonly cache = new PeerMetadataCache();
  /** Per cluster object: whether outbound propagation is skipped (computed once per cluster config). */
  private readonly skip = new WeakMap<Cluster, boolean>();

  constructor(
    readonly settings: PeerMetadataSettings,
    private readonly local: LocalPeer | undefined,
  ) {}

  /** The chain's filter, or undefined when it has none (the request path then skips it entirely). */
  static fromConfig(
    filters: readonly HttpFilter[],
    local: LocalPeer | undefined,
  ): PeerMetadataFilter | undefined {
    const f = filters.find((x) => x.name === PEER_METADATA_FILTER_NAME && !x.disabled);
    if (f === undefined) return undefined;
    const r = decodePeerMetadataSettings(f.config);
    if (!r.ok)
      throw new Error(
        `${PEER_METADATA_FILTER_NAME}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      );
    return new PeerMetadataFilter(r.value, local);
  }

  /** Request headers from downstream, before routing: discover the caller (inbound). */
  onRequest(h: string[], st: PeerRequestState): void {
    st.downstreamPeer = undefined;
    st.upstreamPeer = undefined;
    st.peerEcho = 0;
    if (!this.settings.downstreamDiscovery) return;
    let id = '';
    let value = '';
    for (let i = 0; i < h.length; i += 2) {
      const n = h[i];
      if (n === PEER_METADATA_ID_HEADER) {
        if (id === '') id = h[i + 1];
        st.peerEcho |= SENT_ID;
      } else if (n === PEER_METADATA_HEADER) {
        if (value === '') value = h[i + 1];
        st.peerEcho |= SENT_METADATA;
      } else continue;
      h[i] = '';
      h[i + 1] = '';
    }
    if (value !== '') st.downstreamPeer = this.cache.lookup(id, value);
  }

  /** The request is going to `cluster`: add ours (outbound). */
  onUpstreamRequest(h: string[], cluster: Cluster): void {
    const local = this.local;
    if (!this.settings.upstreamPropagation || local === undefined) return;
    let skip = this.skip.get(cluster);
    if (skip === undefined) {
      skip = skipsCluster(cluster, this.settings.skipExternalClusters);
      this.skip.set(cluster, skip);
    }
    if (skip) return;
    // Whatever the app sent under these names is replaced, so a callee never sees a forged identity.
    for (let i = 0; i < h.length; i += 2) {
      if (h[i] === PEER_METADATA_ID_HEADER || h[i] === PEER_METADATA_HEADER) {
        h[i] = '';
        h[i + 1] = '';
      }
    }
    h.push(PEER_METADATA_ID_HEADER, local.id, PEER_METADATA_HEADER, local.headerValue);
  }

  /** Response headers from upstream: discover the callee (outbound) and answer the caller (inbound). */
  onResponse(h: string[], st: PeerRequestState): void {
    if (this.settings.upstreamDiscovery) {
      let id = '';
      let value = '';
      for (let i = 0; i < h.length; i += 2) {
        const n = h[i];
        if (n === PEER_METADATA_ID_HEADER) {
          if (id === '') id = h[i + 1];
        } else if (n === PEER_METADATA_HEADER) {
          if (value === '') value = h[i + 1];
        } else continue;
        h[i] = '';
        h[i + 1] = '';
      }
      if (value !== '') st.upstreamPeer = this.cache.lookup(id, value);
    }
    this.onLocalResponse(h, st);
  }

  /** Response headers of any response to downstream (also local replies): ours, if the caller sent theirs. */
  onLocalResponse(h: string[], st: PeerRequestState): void {
    const local = this.local;
    if (!this.settings.downstreamPropagation || local === undefined || st.peerEcho === 0) return;
    if ((st.peerEcho & SENT_ID) !== 0) h.push(PEER_METADATA_ID_HEADER, local.id);
    if ((st.peerEcho & SENT_METADATA) !== 0) h.push(PEER_METADATA_HEADER, local.headerValue);
  }
}
