// How each xDS resource type is read off the wire, shared by the State-of-the-World and delta clients:
// unpacking the Any, naming, decoding into domain config with field-path errors, and the NACK text.
import {
  type DescMessage,
  type JsonValue,
  type Message,
  type MessageShape,
  toJson,
} from '@bufbuild/protobuf';
import { type Any, anyUnpack } from '@bufbuild/protobuf/wkt';
import type { FieldError, Result } from '../../common/result.js';
import {
  type Cluster as ClusterMsg,
  ClusterSchema,
} from '../../generated/envoy/config/cluster/v3/cluster_pb.js';
import {
  type ClusterLoadAssignment as ClaMsg,
  ClusterLoadAssignmentSchema,
} from '../../generated/envoy/config/endpoint/v3/endpoint_pb.js';
import {
  type Listener as ListenerMsg,
  ListenerSchema,
} from '../../generated/envoy/config/listener/v3/listener_pb.js';
import {
  RouteConfigurationSchema,
  type RouteConfiguration as RouteMsg,
} from '../../generated/envoy/config/route/v3/route_pb.js';
import {
  type Secret as SecretMsg,
  SecretSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { decodeCluster } from './decode-cluster.js';
import type { DecodeOptions } from './decode-context.js';
import { decodeClusterLoadAssignment } from './decode-endpoint.js';
import { decodeListener } from './decode-listener.js';
import { decodeRouteConfiguration } from './decode-route.js';
import { decodeSecret } from './decode-tls.js';
import { envoyRegistry, TypeUrl } from './registry.js';

export type XdsType = 'cluster' | 'endpoint' | 'listener' | 'route' | 'secret';
/** Envoy's subscription order: clusters and their endpoints warm before listeners and routes. */
export const XDS_ORDER: readonly XdsType[] = ['cluster', 'endpoint', 'listener', 'route', 'secret'];

/** google.rpc.Code INVALID_ARGUMENT, the code of every NACK's error_detail. */
export const INVALID_ARGUMENT = 3;

export interface ResourceErrors {
  resource: string;
  errors: FieldError[];
  /** The rejected resource as proto3 JSON (snake_case), when it could be read at all. */
  failedConfiguration?: JsonValue;
}

export interface NackInfo {
  versionInfo: string;
  nonce: string;
  atMs: number;
  errors: ResourceErrors[];
}

/** How each type is read from the wire: its message schema, decoder and the field that names a resource. */
interface Codec {
  typeUrl: string;
  schema: DescMessage;
  decode: (m: Message, opts: DecodeOptions | undefined) => Result<unknown>;
  name: (m: Message) => string;
}

export const CODECS: Record<XdsType, Codec> = {
  cluster: {
    typeUrl: TypeUrl.cluster,
    schema: ClusterSchema,
    decode: (m, o) => decodeCluster(m as ClusterMsg, o),
    name: (m) => (m as ClusterMsg).name,
  },
  endpoint: {
    typeUrl: TypeUrl.endpoint,
    schema: ClusterLoadAssignmentSchema,
    decode: (m, o) => decodeClusterLoadAssignment(m as ClaMsg, o),
    name: (m) => (m as ClaMsg).clusterName,
  },
  listener: {
    typeUrl: TypeUrl.listener,
    schema: ListenerSchema,
    decode: (m, o) => decodeListener(m as ListenerMsg, o),
    name: (m) => (m as ListenerMsg).name,
  },
  route: {
    typeUrl: TypeUrl.route,
    schema: RouteConfigurationSchema,
    decode: (m, o) => decodeRouteConfiguration(m as RouteMsg, o),
    name: (m) => (m as RouteMsg).name,
  },
  secret: {
    typeUrl: TypeUrl.secret,
    schema: SecretSchema,
    decode: (m, o) => decodeSecret(m as SecretMsg, o),
    name: (m) => (m as SecretMsg).name,
  },
};

export function xdsTypeOf(typeUrl: string): XdsType | undefined {
  return XDS_ORDER.find((t) => CODECS[t].typeUrl === typeUrl);
}

/**
 * A message as proto3 JSON with snake_case names; undefined when it holds an Any of a type outside the
 * registry (an optional filter Trellis skipped, or the very thing a NACK was about).
 */
export function safeJson(schema: DescMessage, message: Message): JsonValue | undefined {
  try {
    return toJson(schema, message as MessageShape<DescMessage>, {
      registry: envoyRegistry,
      useProtoFieldName: true,
    });
  } catch {
    return undefined;
  }
}

export interface DecodedResource {
  /** Position in the response. */
  index: number;
  name: string;
  value: unknown;
  message: Message;
}

/** One resource of a response: its body and, in delta responses, the name the server gave it. */
export interface WireResource {
  body: Any | undefined;
  name?: string;
}

/** Decodes every resource of one response; any error rejects the whole response (the caller NACKs). */
export function decodeResources(
  type: XdsType,
  resources: readonly WireResource[],
  opts: DecodeOptions | undefined,
): { ok: DecodedResource[]; errors: ResourceErrors[] } {
  const codec = CODECS[type];
  const ok: DecodedResource[] = [];
  const errors: ResourceErrors[] = [];
  const seen = new Set<string>();
  resources.forEach((r, i) => {
    const label = r.name || `resources[${i}]`;
    const fail = (message: string) => errors.push({ resource: label, errors: [{ path: '', message }] });
    if (r.body === undefined) {
      // A delta Resource without a body only refreshes a TTL, which Trellis does not take part in.
      fail('resource has no body (TTL heartbeats are not supported)');
      return;
    }
    let message: Message | undefined;
    try {
      message = r.body.typeUrl === codec.typeUrl ? anyUnpack(r.body, codec.schema) : undefined;
    } catch (err) {
      fail((err as Error).message);
      return;
    }
    if (message === undefined) {
      fail(`resource type ${r.body.typeUrl} does not match the response type ${codec.typeUrl}`);
      return;
    }
    const inner = codec.name(message);
    if (r.name !== undefined && r.name !== '' && inner !== r.name) {
      fail(`resource name ${r.name} differs from the name in its body (${inner})`);
      return;
    }
    const name = inner;
    if (seen.has(name)) {
      errors.push({
        resource: name,
        errors: [{ path: '', message: 'duplicate resource name in one response' }],
      });
      return;
    }
    seen.add(name);
    const decoded = codec.decode(message, opts);
    if (decoded.ok) ok.push({ index: i, name, value: decoded.value, message });
    else {
      const failed: ResourceErrors = { resource: name || `resources[${i}]`, errors: decoded.errors };
      const json = safeJson(codec.schema, message);
      if (json !== undefined) failed.failedConfiguration = json;
      errors.push(failed);
    }
  });
  return { ok, errors };
}

/** The error_detail message of a NACK: one line per field error, prefixed by resource and field path. */
export function nackMessage(errors: readonly ResourceErrors[]): string {
  return errors
    .flatMap((r) => r.errors.map((e) => `${r.resource}: ${e.path === '' ? '' : `${e.path}: `}${e.message}`))
    .join('\n');
}
