// The MeshProxy model: who is on the other end of an ADS stream, read from the Envoy Node it sends.
//
// Node id follows Istio: `<type>~<ip>~<name>.<namespace>~<namespace>.svc.<domain>` (type sidecar|router).
// Node metadata keys read (Istio's, plus Trellis's local one-machine keys):
//   NAMESPACE, LABELS (object), SERVICE_ACCOUNT, INSTANCE_IPS ("ip1,ip2"), NAME / WORKLOAD_NAME
//   TRELLIS_OUTBOUND_PORT   port of the HTTP forward-proxy listener apps use as HTTP_PROXY (sidecars)
//   TRELLIS_OUTBOUND_ADDRESS  its bind address (default 127.0.0.1)
//   TRELLIS_INBOUND_PORT    port of the inbound listener peers connect to (default: Istio's 15006 shape)
//   TRELLIS_INBOUND_ADDRESS its bind address (default: the first instance IP, else 0.0.0.0)
//   TRELLIS_APP_ADDRESS     where the app listens (default 127.0.0.1)
//   TRELLIS_APP_PORTS       {"<servicePort>": appPort} when the app's ports differ from the targetPorts
//   TRELLIS_GATEWAY_ADDRESS bind address of gateway (router) listeners (default: first instance IP or 0.0.0.0)
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';

export type ProxyType = 'sidecar' | 'router';

export interface MeshProxy {
  id: string;
  type: ProxyType;
  namespace: string;
  /** Pod/workload name from the id or metadata. */
  name: string;
  labels: Record<string, string>;
  serviceAccount: string;
  ips: string[];
  /** Raw node metadata (JSON of google.protobuf.Struct). */
  metadata: JsonObject;
  outbound?: { address: string; port: number };
  inbound?: { address: string; port: number };
  appAddress: string;
  appPorts: Record<number, number>;
  gatewayAddress?: string;
  /** `region/zone/subzone` from the Node's locality (empty parts allowed). */
  locality: string;
}

export const METADATA = {
  outboundPort: 'TRELLIS_OUTBOUND_PORT',
  outboundAddress: 'TRELLIS_OUTBOUND_ADDRESS',
  inboundPort: 'TRELLIS_INBOUND_PORT',
  inboundAddress: 'TRELLIS_INBOUND_ADDRESS',
  appAddress: 'TRELLIS_APP_ADDRESS',
  appPorts: 'TRELLIS_APP_PORTS',
  gatewayAddress: 'TRELLIS_GATEWAY_ADDRESS',
} as const;

function str(v: JsonValue | undefined): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function port(v: JsonValue | undefined): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** Metadata values may arrive as JSON text (`"{\"9080\": 19080}"`) where a Struct was meant. */
function jsonOrValue(v: JsonValue | undefined): JsonValue | undefined {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return v;
  try {
    return JSON.parse(t) as JsonValue;
  } catch {
    return v;
  }
}

function stringMap(raw: JsonValue | undefined): Record<string, string> {
  const v = jsonOrValue(raw);
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  }
  return out;
}

/** Builds the MeshProxy from an Envoy Node's id and metadata; unknown or missing parts get Istio's defaults. */
export function proxyFromNode(
  id: string,
  metadata: JsonObject = {},
  locality: { region?: string; zone?: string; subZone?: string } = {},
): MeshProxy {
  const parts = id.split('~');
  const type: ProxyType = parts[0] === 'router' ? 'router' : 'sidecar';
  const idIp = parts.length >= 4 ? parts[1] : undefined;
  const podPart = parts.length >= 4 ? parts[2] : '';
  const dot = podPart.lastIndexOf('.');
  const idNamespace = dot > 0 ? podPart.slice(dot + 1) : undefined;
  const idName = dot > 0 ? podPart.slice(0, dot) : podPart;
  const namespace = str(metadata.NAMESPACE) ?? idNamespace ?? 'default';
  const ipList =
    str(metadata.INSTANCE_IPS)
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '') ?? [];
  const ips = ipList.length > 0 ? ipList : idIp ? [idIp] : [];
  const appPortsRaw = jsonOrValue(metadata[METADATA.appPorts]);
  const appPorts: Record<number, number> = {};
  if (appPortsRaw && typeof appPortsRaw === 'object' && !Array.isArray(appPortsRaw)) {
    for (const [k, v] of Object.entries(appPortsRaw)) {
      const sp = port(k);
      const ap = port(v);
      if (sp !== undefined && ap !== undefined) appPorts[sp] = ap;
    }
  }
  const proxy: MeshProxy = {
    id,
    type,
    namespace,
    name: str(metadata.NAME) ?? str(metadata.WORKLOAD_NAME) ?? idName,
    labels: stringMap(metadata.LABELS),
    serviceAccount: str(metadata.SERVICE_ACCOUNT) ?? 'default',
    ips,
    metadata,
    appAddress: str(metadata[METADATA.appAddress]) ?? '127.0.0.1',
    appPorts,
    locality: [locality.region ?? '', locality.zone ?? '', locality.subZone ?? '']
      .join('/')
      .replace(/\/+$/, ''),
  };
  const outPort = port(metadata[METADATA.outboundPort]);
  if (outPort !== undefined) {
    proxy.outbound = { address: str(metadata[METADATA.outboundAddress]) ?? '127.0.0.1', port: outPort };
  }
  const inPort = port(metadata[METADATA.inboundPort]);
  if (inPort !== undefined) {
    proxy.inbound = { address: str(metadata[METADATA.inboundAddress]) ?? ips[0] ?? '0.0.0.0', port: inPort };
  }
  const gw = str(metadata[METADATA.gatewayAddress]);
  if (gw !== undefined) proxy.gatewayAddress = gw;
  return proxy;
}

/** Istio's node id for a proxy, the inverse of proxyFromNode's id parsing. */
export function proxyId(
  type: ProxyType,
  ip: string,
  name: string,
  namespace: string,
  domain = 'cluster.local',
): string {
  return `${type}~${ip}~${name}.${namespace}~${namespace}.svc.${domain}`;
}
