// Decodes an Envoy v3 Bootstrap given as YAML or JSON text (node, admin, static listeners/clusters/secrets,
// ADS config) into the proxy's Bootstrap; every error names the field path and the file's line.
import { fromJson, type JsonObject, type JsonValue, toJson } from '@bufbuild/protobuf';
import { LineCounter, parseDocument } from 'yaml';
import { childPath, type FieldError, fail, type Result } from '../../common/result.js';
import {
  type Admin,
  AdminSchema,
  type Bootstrap,
  Bootstrap_DynamicResourcesSchema,
  Bootstrap_StaticResourcesSchema,
  BootstrapSchema,
} from '../../generated/envoy/config/bootstrap/v3/bootstrap_pb.js';
import { LocalitySchema, type Node, NodeSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import {
  type ApiConfigSource,
  ApiConfigSource_ApiTypeSchema,
  ApiConfigSourceSchema,
  ApiVersion,
} from '../../generated/envoy/config/core/v3/config_source_pb.js';
import {
  GrpcService_EnvoyGrpcSchema,
  GrpcServiceSchema,
} from '../../generated/envoy/config/core/v3/grpc_service_pb.js';
import type { Bootstrap as DomainBootstrap, NodeIdentity } from '../config/bootstrap.js';
import { decodeClusterInto } from './decode-cluster.js';
import { decodeAddress } from './decode-common.js';
import { DecodeContext, type DecodeOptions, NOT_SUPPORTED, supportedEnum } from './decode-context.js';
import { decodeListenerInto } from './decode-listener.js';
import { checkAdsConfigSource } from './decode-network-filters.js';
import { decodeSecretInto } from './decode-tls.js';
import { JsonChecker } from './json-check.js';
import { lineOfPath } from './yaml-location.js';

export function decodeNode(ctx: DecodeContext, n: Node | undefined, path: string): NodeIdentity {
  if (n === undefined) return { id: '', cluster: '', metadata: {} };
  // user_agent_* and client_features describe the client; Trellis fills its own.
  ctx.onlyFields(NodeSchema, n, path, [
    'id',
    'cluster',
    'metadata',
    'locality',
    'user_agent_name',
    'user_agent_version',
  ]);
  const node: NodeIdentity = { id: n.id, cluster: n.cluster, metadata: { ...(n.metadata ?? {}) } };
  if (n.locality !== undefined) {
    ctx.onlyFields(LocalitySchema, n.locality, childPath(path, 'locality'), ['region', 'zone', 'sub_zone']);
    node.locality = { region: n.locality.region, zone: n.locality.zone, subZone: n.locality.subZone };
  }
  return node;
}

function decodeAdmin(ctx: DecodeContext, a: Admin, path: string): DomainBootstrap['admin'] {
  ctx.onlyFields(AdminSchema, a, path, ['address', 'access_log_path']);
  const addr = decodeAddress(ctx, a.address, childPath(path, 'address'));
  const admin: NonNullable<DomainBootstrap['admin']> = { host: addr.host, port: addr.port };
  if (a.accessLogPath !== '') admin.accessLogPath = a.accessLogPath;
  return admin;
}

function decodeAdsConfig(
  ctx: DecodeContext,
  a: ApiConfigSource,
  path: string,
): NonNullable<DomainBootstrap['ads']> {
  // set_node_on_first_message_only is what Trellis always does; the other fields describe the one gRPC target.
  ctx.onlyFields(ApiConfigSourceSchema, a, path, [
    'api_type',
    'transport_api_version',
    'grpc_services',
    'set_node_on_first_message_only',
  ]);
  // The ADS client speaks State of the World (GRPC) and incremental xDS (DELTA_GRPC).
  const apiType = supportedEnum(
    ctx,
    ApiConfigSource_ApiTypeSchema,
    a.apiType,
    childPath(path, 'api_type'),
    ['GRPC', 'DELTA_GRPC'],
    'GRPC',
  );
  if (a.transportApiVersion === ApiVersion.V2)
    ctx.error(childPath(path, 'transport_api_version'), `V2 ${NOT_SUPPORTED}`);
  const gp = childPath(path, 'grpc_services');
  if (a.grpcServices.length !== 1) {
    ctx.error(gp, 'exactly one gRPC service is required');
    return { clusterName: '', apiType };
  }
  const g = a.grpcServices[0];
  const sp = childPath(gp, 0);
  // timeout is the per-stream deadline Envoy sets; ADS streams are long-lived either way.
  ctx.onlyFields(GrpcServiceSchema, g, sp, ['envoy_grpc', 'timeout']);
  if (g.targetSpecifier.case !== 'envoyGrpc') {
    ctx.error(childPath(sp, 'envoy_grpc'), 'required (google_grpc is not supported by Trellis)');
    return { clusterName: '', apiType };
  }
  ctx.onlyFields(GrpcService_EnvoyGrpcSchema, g.targetSpecifier.value, childPath(sp, 'envoy_grpc'), [
    'cluster_name',
  ]);
  if (g.targetSpecifier.value.clusterName === '')
    ctx.error(childPath(sp, 'envoy_grpc.cluster_name'), 'required');
  return { clusterName: g.targetSpecifier.value.clusterName, apiType };
}

function checkUnique(ctx: DecodeContext, names: string[], path: string): void {
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const first = seen.get(n);
    if (first !== undefined)
      ctx.error(childPath(childPath(path, i), 'name'), `duplicate name "${n}" (also at [${first}])`);
    else seen.set(n, i);
  });
}

/** Decodes an already parsed Bootstrap message. */
export function decodeBootstrapMessage(b: Bootstrap, options?: DecodeOptions): Result<DomainBootstrap> {
  const ctx = new DecodeContext(options);
  ctx.onlyFields(BootstrapSchema, b, '', ['node', 'static_resources', 'dynamic_resources', 'admin']);
  const out: DomainBootstrap = {
    node: decodeNode(ctx, b.node, 'node'),
    listeners: [],
    clusters: [],
    endpoints: [],
    routes: [],
    secrets: [],
    dynamicLds: false,
    dynamicCds: false,
  };
  if (b.admin !== undefined) out.admin = decodeAdmin(ctx, b.admin, 'admin');
  const s = b.staticResources;
  if (s !== undefined) {
    ctx.onlyFields(Bootstrap_StaticResourcesSchema, s, 'static_resources', [
      'listeners',
      'clusters',
      'secrets',
    ]);
    out.listeners = s.listeners.map((l, i) => decodeListenerInto(ctx, l, `static_resources.listeners[${i}]`));
    out.clusters = s.clusters.map((c, i) => decodeClusterInto(ctx, c, `static_resources.clusters[${i}]`));
    out.secrets = s.secrets.map((x, i) => decodeSecretInto(ctx, x, `static_resources.secrets[${i}]`));
    checkUnique(
      ctx,
      out.listeners.map((l) => l.name),
      'static_resources.listeners',
    );
    checkUnique(
      ctx,
      out.clusters.map((c) => c.name),
      'static_resources.clusters',
    );
    checkUnique(
      ctx,
      out.secrets.map((x) => x.name),
      'static_resources.secrets',
    );
  }
  const d = b.dynamicResources;
  if (d !== undefined) {
    const dp = 'dynamic_resources';
    ctx.onlyFields(Bootstrap_DynamicResourcesSchema, d, dp, ['lds_config', 'cds_config', 'ads_config']);
    if (d.adsConfig !== undefined) {
      out.ads = decodeAdsConfig(ctx, d.adsConfig, `${dp}.ads_config`);
      if (out.ads.clusterName !== '' && !out.clusters.some((c) => c.name === out.ads?.clusterName)) {
        ctx.error(
          `${dp}.ads_config.grpc_services[0].envoy_grpc.cluster_name`,
          `no static cluster named "${out.ads.clusterName}"`,
        );
      }
    }
    if (d.ldsConfig !== undefined) {
      checkAdsConfigSource(ctx, d.ldsConfig, `${dp}.lds_config`);
      out.dynamicLds = true;
    }
    if (d.cdsConfig !== undefined) {
      checkAdsConfigSource(ctx, d.cdsConfig, `${dp}.cds_config`);
      out.dynamicCds = true;
    }
    if ((out.dynamicLds || out.dynamicCds) && out.ads === undefined)
      ctx.error(`${dp}.ads_config`, 'required when lds_config or cds_config use ADS');
    if (out.ads !== undefined && out.node.id === '') ctx.error('node.id', 'required when using ADS');
  }
  return ctx.result(out);
}

/**
 * The `host:port` of the management server named by the bootstrap's ads_config: the first endpoint of its
 * static cluster (undefined without ADS).
 */
export function adsTargetOf(b: DomainBootstrap): string | undefined {
  if (b.ads === undefined) return undefined;
  const cluster = b.clusters.find((c) => c.name === b.ads?.clusterName);
  const ep = cluster?.loadAssignment?.localities.flatMap((l) => l.endpoints)[0];
  if (ep === undefined) return undefined;
  const host = ep.address.host.includes(':') ? `[${ep.address.host}]` : ep.address.host;
  return `${host}:${ep.address.port}`;
}

/** A decoded bootstrap and the Bootstrap message itself as proto3 JSON (snake_case), for config_dump. */
export interface DetailedBootstrap {
  bootstrap: DomainBootstrap;
  json: JsonObject;
}

/**
 * Decodes a bootstrap file's text (YAML or JSON — JSON is YAML). `file` names the file in messages, which
 * end with ` (file:line)` where the field is found.
 */
export function decodeBootstrap(
  text: string,
  file: string,
  options?: DecodeOptions,
): Result<DomainBootstrap> {
  const r = decodeBootstrapDetailed(text, file, options);
  if (!r.ok) return r;
  return r.warnings
    ? { ok: true, value: r.value.bootstrap, warnings: r.warnings }
    : { ok: true, value: r.value.bootstrap };
}

/** decodeBootstrap, also returning the parsed Bootstrap message as proto3 JSON. */
export function decodeBootstrapDetailed(
  text: string,
  file: string,
  options?: DecodeOptions,
): Result<DetailedBootstrap> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    return fail(
      doc.errors.map((e) => ({ path: '', message: `${file}:${e.linePos?.[0].line ?? '?'}: ${e.message}` })),
    );
  }
  const at = (errors: FieldError[]): FieldError[] =>
    errors.map((e) => {
      const line = lineOfPath(doc, lines, e.path);
      return line === undefined ? e : { ...e, message: `${e.message} (${file}:${line})` };
    });
  const json = doc.toJS() as unknown;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return fail([{ path: '', message: `${file}: a bootstrap must be a YAML or JSON object` }]);
  }
  const ctx = new DecodeContext(options);
  const checker = new JsonChecker(ctx.registry);
  checker.message(BootstrapSchema, json, '');
  if (checker.errors.length > 0) return fail(at(checker.errors));
  let msg: Bootstrap;
  try {
    msg = fromJson(BootstrapSchema, json as JsonValue, { registry: ctx.registry });
  } catch (err) {
    return fail([{ path: '', message: `${file}: ${(err as Error).message}` }]);
  }
  const r = decodeBootstrapMessage(msg, options);
  if (!r.ok) return fail(at(r.errors));
  const value: DetailedBootstrap = {
    bootstrap: r.value,
    json: toJson(BootstrapSchema, msg, { registry: ctx.registry, useProtoFieldName: true }) as JsonObject,
  };
  return r.warnings ? { ok: true, value, warnings: at(r.warnings) } : { ok: true, value };
}
