// What Istio's HTTP and TCP stats filters share: the reporter of a listener direction, this proxy's own
// workload labels, the response flags as the metric label spells them, the security policy label, and the
// cache from (peer, identities, service) to the registry's label head, with the last one kept at hand.
import { parseResponseFlags, responseFlagsToString } from '../../../stats/access-log/response-flags.js';
import type { StatsStore } from '../../../stats/store.js';
import type { PeerInfo } from '../peer-metadata/peer-info.js';
import type { LocalPeer } from '../peer-metadata/peer-metadata.js';
import type { IstioStatsSettings } from './config.js';
import {
  headValues,
  type Reporter,
  type ServiceLabels,
  UNKNOWN,
  type WorkloadLabels,
  workloadOf,
} from './labels.js';
import { type Head, type IstioMetrics, istioMetricsOf } from './registry.js';

/** Envoy's %RESPONSE_FLAGS% order for a flags string as the exchange accumulates it. */
const flagsMemo = new Map<string, string>();
export function metricFlags(flags: string): string {
  if (flags === '') return '-';
  let s = flagsMemo.get(flags);
  if (s === undefined) {
    s = responseFlagsToString(parseResponseFlags(flags));
    if (flagsMemo.size < 4096) flagsMemo.set(flags, s);
  }
  return s;
}

const NO_PEER = {};
const NO_WORKLOAD: WorkloadLabels = {
  workload: '',
  namespace: '',
  app: '',
  version: '',
  canonicalService: '',
  canonicalRevision: '',
  cluster: '',
};

/** The workload labels of this proxy's node ('' everywhere when the node sent no metadata). */
export function localWorkload(local: LocalPeer | undefined): WorkloadLabels {
  return workloadOf(local?.info) ?? NO_WORKLOAD;
}

/** The part shared by the HTTP and TCP sides: settings, reporter, local labels and head caching. */
export class IstioStatsBase {
  readonly metrics: IstioMetrics;
  readonly local: WorkloadLabels;
  private readonly heads = new WeakMap<object, Map<string, Head>>();
  // The last head found and what found it: steady traffic between two workloads skips the maps.
  private lastPeer: PeerInfo | undefined;
  private lastPeerPrincipal = '';
  private lastLocalPrincipal = '';
  private lastService: ServiceLabels | undefined;
  private lastHead: Head | undefined;

  constructor(
    readonly settings: IstioStatsSettings,
    readonly reporter: Reporter,
    local: LocalPeer | undefined,
    store: StatsStore,
  ) {
    this.metrics = istioMetricsOf(store);
    this.local = localWorkload(local);
  }

  /** The head for a peer (object identity), the SPIFFE IDs ('' unknown) and the service. */
  head(peer: PeerInfo | undefined, peerPrincipal: string, localPrincipal: string, svc: ServiceLabels): Head {
    if (
      this.lastHead !== undefined &&
      peer === this.lastPeer &&
      svc === this.lastService &&
      peerPrincipal === this.lastPeerPrincipal &&
      localPrincipal === this.lastLocalPrincipal
    )
      return this.lastHead;
    const pk = peer ?? NO_PEER;
    let byKey = this.heads.get(pk);
    if (byKey === undefined) {
      byKey = new Map();
      this.heads.set(pk, byKey);
    }
    const key = `${peerPrincipal}\u0000${localPrincipal}\u0000${svc.id}`;
    let h = byKey.get(key);
    if (h === undefined) {
      const values = headValues(
        this.reporter,
        this.local,
        workloadOf(peer),
        peerPrincipal,
        localPrincipal,
        svc,
      );
      h = this.metrics.head(values);
      byKey.set(key, h);
    }
    this.lastPeer = peer;
    this.lastService = svc;
    this.lastPeerPrincipal = peerPrincipal;
    this.lastLocalPrincipal = localPrincipal;
    this.lastHead = h;
    return h;
  }

  /** Istio's connection_security_policy: known only on the server side. */
  securityPolicy(peerPrincipal: string, localPrincipal: string): string {
    if (this.reporter === 'source') return UNKNOWN;
    return peerPrincipal !== '' && localPrincipal !== '' ? 'mutual_tls' : 'none';
  }
}

/** Reporter of a listener direction; without one, Istio's inbound stat prefix says so. */
export function reporterFor(direction: string | undefined, statPrefix: string): Reporter {
  if (direction === 'INBOUND') return 'destination';
  if (direction === 'OUTBOUND') return 'source';
  return statPrefix.startsWith('inbound') ? 'destination' : 'source';
}
