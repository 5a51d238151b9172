// Istio's peer metadata on the wire: `x-envoy-peer-metadata-id` carries the node id and
// `x-envoy-peer-metadata` the base64 of a serialized google.protobuf.Struct of node metadata (NAME,
// NAMESPACE, WORKLOAD_NAME, CLUSTER_ID, LABELS, …). Encodes the local node's once per config and decodes
// peers' headers into PeerInfo, caching by header value because a peer sends the same bytes every time.
import { fromBinary, fromJson, type JsonObject, type JsonValue, toBinary, toJson } from '@bufbuild/protobuf';
import { StructSchema } from '@bufbuild/protobuf/wkt';

export const PEER_METADATA_ID_HEADER = 'x-envoy-peer-metadata-id';
export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';

/** Node metadata keys a sidecar exchanges (Istio's set; others, e.g. proxy ports, stay private). */
const EXCHANGED_KEYS = [
  'APP_CONTAINERS',
  'CLUSTER_ID',
  'INSTANCE_IPS',
  'ISTIO_VERSION',
  'LABELS',
  'MESH_ID',
  'NAME',
  'NAMESPACE',
  'OWNER',
  'PLATFORM_METADATA',
  'SERVICE_ACCOUNT',
  'WORKLOAD_NAME',
] as const;

export const CANONICAL_NAME_LABEL = 'service.istio.io/canonical-name';
export const CANONICAL_REVISION_LABEL = 'service.istio.io/canonical-revision';

/** What one side knows about the workload at the other end of a request. */
export interface PeerInfo {
  /** The peer's node id (x-envoy-peer-metadata-id); '' when it sent none. */
  readonly id: string;
  /** Instance (pod) name. */
  readonly name: string;
  readonly namespace: string;
  readonly workloadName: string;
  readonly clusterId: string;
  readonly serviceAccount: string;
  /** The `app` and `version` labels (metrics' *_app and *_version). */
  readonly app: string;
  readonly version: string;
  /** Canonical service and revision (metrics' *_canonical_service / *_canonical_revision). */
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  readonly labels: Readonly<Record<string, string>>;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Keys sorted at every level, so the serialized bytes (and the header) are the same on every build. */
function sorted(v: unknown): JsonValue {
  if (Array.isArray(v)) return v.map(sorted);
  if (typeof v !== 'object' || v === null) return v as JsonValue;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = sorted(x);
  }
  return out;
}

/**
 * The metadata this node sends: Istio's exchanged keys from its bootstrap node metadata, LABELS with the
 * canonical service labels filled in as Istio's injector does (app or workload name; version or latest).
 */
export function exchangedMetadata(nodeMetadata: Readonly<Record<string, unknown>>): JsonObject {
  const out: Record<string, unknown> = {};
  for (const k of EXCHANGED_KEYS) if (nodeMetadata[k] !== undefined) out[k] = nodeMetadata[k];
  const labels = stringMap(nodeMetadata.LABELS);
  labels[CANONICAL_NAME_LABEL] ??= labels.app ?? str(nodeMetadata.WORKLOAD_NAME);
  labels[CANONICAL_REVISION_LABEL] ??= labels.version ?? 'latest';
  if (labels[CANONICAL_NAME_LABEL] === '') delete labels[CANONICAL_NAME_LABEL];
  out.LABELS = labels;
  return sorted(out) as JsonObject;
}

/** The x-envoy-peer-metadata value for node metadata: base64 of the serialized Struct. */
export function encodePeerMetadata(metadata: JsonObject): string {
  return Buffer.from(toBinary(StructSchema, fromJson(StructSchema, metadata))).toString('base64');
}

/** PeerInfo from Struct JSON (decoded header or local node metadata). */
export function peerInfoFromMetadata(id: string, m: Readonly<Record<string, unknown>>): PeerInfo {
  const labels = stringMap(m.LABELS);
  return Object.freeze({
    id,
    name: str(m.NAME),
    namespace: str(m.NAMESPACE),
    workloadName: str(m.WORKLOAD_NAME),
    clusterId: str(m.CLUSTER_ID),
    serviceAccount: str(m.SERVICE_ACCOUNT),
    app: labels.app ?? '',
    version: labels.version ?? '',
    canonicalService: labels[CANONICAL_NAME_LABEL] ?? labels.app ?? str(m.WORKLOAD_NAME),
    canonicalRevision: labels[CANONICAL_REVISION_LABEL] ?? labels.version ?? 'latest',
    labels: Object.freeze(labels),
  });
}

/** Decodes one x-envoy-peer-metadata value; undefined when it is not base64 of a Struct. */
export function decodePeerMetadata(id: string, value: string): PeerInfo | undefined {
  try {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === 0) return undefined;
    const json = toJson(StructSchema, fromBinary(StructSchema, bytes));
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
    return peerInfoFromMetadata(id, json);
  } catch {
    return undefined;
  }
}

/** Most distinct peer headers remembered; beyond it the oldest quarter is forgotten (Istio does likewise). */
const CACHE_LIMIT = 512;

/** Decoded peers by header value: a steady peer costs one Map lookup per request instead of a parse. */
export class PeerMetadataCache {
  private readonly byValue = new Map<string, PeerInfo | null>();

  lookup(id: string, value: string): PeerInfo | undefined {
    const hit = this.byValue.get(value);
    if (hit === null) return undefined;
    // The same metadata from another node id (rare): the id is the only difference.
    if (hit !== undefined) return hit.id === id ? hit : Object.freeze({ ...hit, id });
    const info = decodePeerMetadata(id, value);
    if (this.byValue.size >= CACHE_LIMIT) {
      let drop = CACHE_LIMIT / 4;
      for (const k of this.byValue.keys()) {
        this.byValue.delete(k);
        if (--drop === 0) break;
      }
    }
    this.byValue.set(value, info ?? null);
    return info;
  }

  get size(): number {
    return this.byValue.size;
  }
}
