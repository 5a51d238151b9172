// Settings of Istio's peer metadata exchange HTTP filter (`istio.metadata_exchange`), whose typed_config
// is a google.protobuf.Struct shaped like io.istio.http.peer_metadata.Config: which sides discover the
// peer's metadata from Istio's headers and which sides propagate ours. Unknown keys and discovery methods
// Trellis does not implement are errors with their field paths, so the resource is NACKed.
import { childPath, type FieldError, fail, ok, type Result } from '../../../../common/result.js';

export const PEER_METADATA_FILTER_NAME = 'istio.metadata_exchange';
export const STRUCT_TYPE_NAME = 'google.protobuf.Struct';
const STRUCT_TYPE_URL = `type.googleapis.com/${STRUCT_TYPE_NAME}`;
const NOT_SUPPORTED = 'not supported by Trellis';

export interface PeerMetadataSettings {
  /** Inbound: read the caller's metadata from the request (istio_headers). */
  downstreamDiscovery: boolean;
  /** Inbound: send ours back on the response (only to callers that sent theirs, as Istio does). */
  downstreamPropagation: boolean;
  /** Outbound: read the callee's metadata from the response. */
  upstreamDiscovery: boolean;
  /** Outbound: send ours on the request. */
  upstreamPropagation: boolean;
  /** Outbound propagation skips PassthroughCluster (istio_headers.skip_external_clusters). */
  skipExternalClusters: boolean;
  /** Peer labels kept besides app, version and the canonical service labels. */
  additionalLabels: string[];
}

/** snake_case, also for proto3 JSON's lowerCamelCase spelling of the same field. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function methods(
  v: unknown,
  path: string,
  errors: FieldError[],
  propagation: boolean,
  onSkipExternal: (skip: boolean) => void,
): boolean {
  if (!Array.isArray(v)) {
    errors.push({ path, message: 'must be a list of methods' });
    return false;
  }
  let headers = false;
  v.forEach((m, i) => {
    const mp = childPath(path, i);
    if (!isObject(m)) {
      errors.push({ path: mp, message: 'must be an object with one method' });
      return;
    }
    const keys = Object.keys(m);
    if (keys.length !== 1) errors.push({ path: mp, message: 'must name exactly one method' });
    for (const raw of keys) {
      const k = snake(raw);
      const kp = childPath(mp, raw);
      if (k === 'istio_headers') {
        headers = true;
        const cfg = m[raw];
        if (!isObject(cfg)) {
          errors.push({ path: kp, message: 'must be an object' });
          continue;
        }
        for (const [ck, cv] of Object.entries(cfg)) {
          if (propagation && snake(ck) === 'skip_external_clusters') {
            if (typeof cv !== 'boolean')
              errors.push({ path: childPath(kp, ck), message: 'must be a boolean' });
            else onSkipExternal(cv);
          } else errors.push({ path: childPath(kp, ck), message: `unknown field ${JSON.stringify(ck)}` });
        }
      } else if (k === 'workload_discovery' && !propagation) {
        errors.push({ path: kp, message: NOT_SUPPORTED });
      } else {
        errors.push({
          path: kp,
          message: `unknown ${propagation ? 'propagation' : 'discovery'} method ${JSON.stringify(raw)}`,
        });
      }
    }
  });
  return headers;
}

/** Decodes the filter's typed_config JSON (a packed Struct: `{"@type": …Struct, "value": {…}}`). */
export function decodePeerMetadataSettings(
  json: unknown,
  path = 'typed_config',
): Result<PeerMetadataSettings> {
  const errors: FieldError[] = [];
  let body: unknown = json;
  if (isObject(json) && '@type' in json) {
    if (json['@type'] !== STRUCT_TYPE_URL) {
      return fail([{ path: childPath(path, '@type'), message: `must be ${STRUCT_TYPE_URL}` }]);
    }
    body = json.value ?? {};
  }
  const vp = isObject(json) && '@type' in json ? childPath(path, 'value') : path;
  if (!isObject(body)) return fail([{ path: vp, message: 'must be an object' }]);
  const out: PeerMetadataSettings = {
    downstreamDiscovery: false,
    downstreamPropagation: false,
    upstreamDiscovery: false,
    upstreamPropagation: false,
    skipExternalClusters: false,
    additionalLabels: [],
  };
  const skip = (s: boolean) => {
    out.skipExternalClusters ||= s;
  };
  for (const [raw, v] of Object.entries(body)) {
    const k = snake(raw);
    const kp = childPath(vp, raw);
    switch (k) {
      case 'downstream_discovery':
        out.downstreamDiscovery = methods(v, kp, errors, false, skip);
        break;
      case 'upstream_discovery':
        out.upstreamDiscovery = methods(v, kp, errors, false, skip);
        break;
      case 'downstream_propagation':
        out.downstreamPropagation = methods(v, kp, errors, true, skip);
        break;
      case 'upstream_propagation':
        out.upstreamPropagation = methods(v, kp, errors, true, skip);
        break;
      case 'shared_with_upstream':
        // Peer info is on the request context for every filter and the router already.
        if (typeof v !== 'boolean') errors.push({ path: kp, message: 'must be a boolean' });
        break;
      case 'additional_labels':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
          errors.push({ path: kp, message: 'must be a list of label names' });
        else out.additionalLabels = v as string[];
        break;
      default:
        errors.push({ path: kp, message: `unknown field ${JSON.stringify(raw)}` });
    }
  }
  return errors.length > 0 ? fail(errors) : ok(out);
}
