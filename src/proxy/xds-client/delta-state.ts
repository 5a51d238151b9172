// The incremental (delta) xDS protocol state of one proxy, without any transport: each
// DeltaDiscoveryResponse adds or updates resources by name (each with its own version) and removes exactly
// the names in removed_resources; EDS/RDS/SDS names are subscribed and unsubscribed as they come and go, and
// a new stream tells the server the versions held (initial_resource_versions). A rejected response is NACKed
// and changes nothing. Subscriptions, ordering and warming are SubscriptionState's, shared with SotW.
import type { DeltaDiscoveryResponse } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import {
  decodeResources,
  INVALID_ARGUMENT,
  nackMessage,
  type XdsType,
  xdsTypeOf,
} from './resource-codecs.js';
import { type StateStep, SubscriptionState } from './subscription-state.js';

/** One DeltaDiscoveryRequest to send (the transport adds the node on a stream's first request). */
export interface DeltaRequestSpec {
  typeUrl: string;
  /** The response this request answers ('' for a first request or a subscription change alone). */
  responseNonce: string;
  /** Names to add; empty on a wildcard type's first request (legacy wildcard: "everything"). */
  subscribe: string[];
  unsubscribe: string[];
  /** On a type's first request of a stream: name → version of every resource held, so the server skips them. */
  initialResourceVersions?: Record<string, string>;
  errorDetail?: { code: number; message: string };
}

export class DeltaState extends SubscriptionState<DeltaRequestSpec> {
  protected firstRequest(type: XdsType): DeltaRequestSpec {
    const st = this.types[type];
    st.requested = true;
    const initialResourceVersions: Record<string, string> = {};
    for (const [name, held] of st.raw) initialResourceVersions[name] = held.versionInfo;
    return {
      typeUrl: st.typeUrl,
      responseNonce: '',
      subscribe: st.names ? [...st.names] : [],
      unsubscribe: [],
      initialResourceVersions,
    };
  }

  protected namesChangedRequests(
    type: XdsType,
    previous: readonly string[],
    next: readonly string[],
  ): DeltaRequestSpec[] {
    return [
      {
        typeUrl: this.types[type].typeUrl,
        responseNonce: '',
        subscribe: next.filter((n) => !previous.includes(n)),
        unsubscribe: previous.filter((n) => !next.includes(n)),
      },
    ];
  }

  private answer(typeUrl: string, nonce: string, errorDetail?: DeltaRequestSpec['errorDetail']) {
    const spec: DeltaRequestSpec = { typeUrl, responseNonce: nonce, subscribe: [], unsubscribe: [] };
    if (errorDetail) spec.errorDetail = errorDetail;
    return spec;
  }

  /**
   * Applies one response. Returns the requests to send (subscription changes first, then the ACK or NACK
   * of this response, then LDS when initialisation allows it) and whether the served resources changed.
   */
  handleResponse(resp: DeltaDiscoveryResponse, nowMs: number): StateStep<DeltaRequestSpec> {
    const type = xdsTypeOf(resp.typeUrl);
    if (type === undefined) {
      const message = `type ${resp.typeUrl} is not supported by Trellis`;
      return {
        requests: [this.answer(resp.typeUrl, resp.nonce, { code: INVALID_ARGUMENT, message })],
        changed: false,
      };
    }
    const st = this.types[type];
    st.nonce = resp.nonce;
    const wire = resp.resources.map((r) => ({ body: r.resource, name: r.name }));
    const outcome = decodeResources(type, wire, this.options.decode);
    if (outcome.errors.length > 0) {
      const nack = this.rejected(type, resp.systemVersionInfo, resp.nonce, nowMs, outcome.errors);
      const errorDetail = { code: INVALID_ARGUMENT, message: nackMessage(outcome.errors) };
      return { requests: [this.answer(st.typeUrl, resp.nonce, errorDetail)], changed: false, nack };
    }
    // Non-wildcard types hold only what they subscribed to; anything else the server sent is ignored.
    const wanted = (name: string) => st.names === undefined || st.names.includes(name);
    const updated = outcome.ok.filter((d) => wanted(d.name));
    for (const d of updated) {
      st.raw.set(d.name, {
        versionInfo: resp.resources[d.index].version,
        lastUpdatedMs: nowMs,
        message: d.message,
        value: d.value,
      });
    }
    const removed = resp.removedResources.filter((n) => st.raw.delete(n));
    st.versionInfo = resp.systemVersionInfo;
    st.lastUpdatedMs = nowMs;
    // As Envoy's error_state: a rejected update is reported until the next accepted one.
    st.lastNack = undefined;
    if (type === 'cluster' || type === 'listener')
      this.serve(
        type,
        [...st.raw].map(([name, held]) => [name, held.value]),
      );
    else
      this.serve(
        type,
        updated.map((d) => [d.name, d.value]),
        removed,
      );
    return this.accepted(() => this.answer(st.typeUrl, resp.nonce));
  }
}
