// The State-of-the-World xDS protocol state of one proxy, without any transport: each DiscoveryResponse
// carries the whole set of its type (wildcard CDS/LDS) or of the subscribed names (EDS/RDS/SDS); decides
// ACK or NACK (keeping the last good resources). Subscriptions, ordering and warming are SubscriptionState's.
import type { DiscoveryResponse } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import {
  decodeResources,
  INVALID_ARGUMENT,
  nackMessage,
  type XdsType,
  xdsTypeOf,
} from './resource-codecs.js';
import { type StateStep, SubscriptionState, type SubscriptionStateOptions } from './subscription-state.js';

export {
  type NackInfo,
  type ResourceErrors,
  XDS_ORDER,
  type XdsType,
} from './resource-codecs.js';
export type { XdsTypeStatus } from './subscription-state.js';
export type AdsStateOptions = SubscriptionStateOptions;

/** One request the transport must send (it adds the node on a stream's first request). */
export interface RequestSpec {
  typeUrl: string;
  versionInfo: string;
  responseNonce: string;
  /** Empty for wildcard (CDS, LDS). */
  resourceNames: string[];
  errorDetail?: { code: number; message: string };
}

export class AdsState extends SubscriptionState<RequestSpec> {
  /** SotW requests always carry the whole name list, the last accepted version and the last nonce. */
  private request(type: XdsType, errorDetail?: RequestSpec['errorDetail']): RequestSpec {
    const st = this.types[type];
    st.requested = true;
    const spec: RequestSpec = {
      typeUrl: st.typeUrl,
      versionInfo: st.versionInfo,
      responseNonce: st.nonce,
      resourceNames: st.names ?? [],
    };
    if (errorDetail) spec.errorDetail = errorDetail;
    return spec;
  }

  protected firstRequest(type: XdsType): RequestSpec {
    return this.request(type);
  }

  protected namesChangedRequests(type: XdsType): RequestSpec[] {
    return [this.request(type)];
  }

  /**
   * Applies one response. Returns the requests to send (subscription changes first, then the ACK or NACK
   * of this response, then LDS when initialisation allows it) and whether the served resources changed.
   */
  handleResponse(resp: DiscoveryResponse, nowMs: number): StateStep<RequestSpec> {
    const type = xdsTypeOf(resp.typeUrl);
    if (type === undefined) {
      // Not something Trellis subscribed to: NACK so the server sees it.
      const message = `type ${resp.typeUrl} is not supported by Trellis`;
      const spec = { typeUrl: resp.typeUrl, versionInfo: '', responseNonce: resp.nonce, resourceNames: [] };
      return { requests: [{ ...spec, errorDetail: { code: INVALID_ARGUMENT, message } }], changed: false };
    }
    const st = this.types[type];
    st.nonce = resp.nonce;
    const wire = resp.resources.map((body) => ({ body }));
    const outcome = decodeResources(type, wire, this.options.decode);
    if (outcome.errors.length > 0) {
      const nack = this.rejected(type, resp.versionInfo, resp.nonce, nowMs, outcome.errors);
      const errorDetail = { code: INVALID_ARGUMENT, message: nackMessage(outcome.errors) };
      return { requests: [this.request(type, errorDetail)], changed: false, nack };
    }
    // Accepted: remember the raw resources for config_dump, then apply.
    const wildcard = st.names === undefined;
    if (wildcard) st.raw.clear();
    for (const d of outcome.ok) {
      if (!wildcard && !st.names?.includes(d.name)) continue;
      st.raw.set(d.name, {
        versionInfo: resp.versionInfo,
        lastUpdatedMs: nowMs,
        message: d.message,
        value: d.value,
      });
    }
    st.versionInfo = resp.versionInfo;
    st.lastUpdatedMs = nowMs;
    // As Envoy's error_state: a rejected update is reported until the next accepted one.
    st.lastNack = undefined;
    this.serve(
      type,
      outcome.ok.map((d) => [d.name, d.value]),
    );
    return this.accepted(() => this.request(type));
  }
}
