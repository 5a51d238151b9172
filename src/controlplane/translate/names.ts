// Istio's resource names: clusters `outbound|9080|v1|reviews.default.svc.cluster.local`, `inbound|9080||`,
// route configs by port (`9080`), gateway route configs `http.<port>`, virtual hosts `host:port`.

export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const VIRTUAL_INBOUND = 'virtualInbound';
export const VIRTUAL_OUTBOUND = 'virtualOutbound';
/** The route config and listener of the local HTTP forward proxy (apps' HTTP_PROXY). */
export const HTTP_PROXY = 'http_proxy';

export function outboundClusterName(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}

export interface ParsedClusterName {
  direction: 'outbound' | 'inbound';
  port: number;
  subset: string;
  host: string;
}

export function parseClusterName(name: string): ParsedClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || (parts[0] !== 'outbound' && parts[0] !== 'inbound')) return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port)) return undefined;
  return { direction: parts[0], port, subset: parts[2], host: parts[3] };
}

/** Outbound route config of one port on sidecars. */
export function outboundRouteName(port: number): string {
  return String(port);
}

export function gatewayRouteName(port: number): string {
  return `http.${port}`;
}

export function virtualHostName(host: string, port: number): string {
  return `${host}:${port}`;
}

export function outboundListenerName(address: string, port: number): string {
  return `${address}_${port}`;
}

/**
 * Istio's pointer from generated config back to the resource it came from (filter metadata `istio.config`,
 * read by `proxy-config` for its VIRTUAL SERVICE and DESTINATION RULE columns):
 * `/apis/<group>/<version>/namespaces/<ns>/<kind-in-kebab-case>/<name>`.
 */
export function istioConfigPath(r: {
  apiVersion: string;
  kind: string;
  metadata: { namespace: string; name: string };
}): string {
  const kebab = r.kind.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return `/apis/${r.apiVersion}/namespaces/${r.metadata.namespace}/${kebab}/${r.metadata.name}`;
}
