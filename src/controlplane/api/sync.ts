// /debug/syncz: every connected proxy's xDS sync status joined with what its node announced (name, admin port).
import { hostname } from 'node:os';
import type { MeshProxy } from '../model/proxy.js';
import type { ProxyStatus } from '../xds/status.js';
import type { ProxySyncWire } from './wire.js';

/** Node metadata key under which local proxies announce their admin API's port (see src/runtime/bootstrap.ts). */
export const ADMIN_PORT_KEY = 'TRELLIS_ADMIN_PORT';
/** Optional: the admin API's address when it is not 127.0.0.1. */
export const ADMIN_ADDRESS_KEY = 'TRELLIS_ADMIN_ADDRESS';

/** The name the control plane gives itself in proxy-status (host name and process id). */
export function defaultInstanceName(): string {
  return `${hostname()}-${process.pid}`;
}

/** `<name>.<namespace>` from an Istio node id (`sidecar~ip~name.ns~ns.svc.cluster.local`), else the id. */
export function nameFromProxyId(id: string): string {
  const parts = id.split('~');
  return parts.length >= 4 && parts[2] !== '' ? parts[2] : id;
}

function adminOf(proxy: MeshProxy | undefined): ProxySyncWire['admin'] {
  const raw = proxy?.metadata[ADMIN_PORT_KEY];
  const port = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (!Number.isInteger(port) || port <= 0 || port >= 65536) return undefined;
  const address = proxy?.metadata[ADMIN_ADDRESS_KEY];
  return { host: typeof address === 'string' && address !== '' ? address : '127.0.0.1', port };
}

export function syncView(
  statuses: readonly ProxyStatus[],
  proxies: readonly MeshProxy[],
  controlPlane: string,
): ProxySyncWire[] {
  const byId = new Map(proxies.map((p) => [p.id, p]));
  return statuses.map((s) => {
    const proxy = byId.get(s.proxyId);
    const name = proxy?.name ? `${proxy.name}.${s.namespace}` : nameFromProxyId(s.proxyId);
    const admin = adminOf(proxy);
    return {
      proxyId: s.proxyId,
      name,
      namespace: s.namespace,
      type: s.type,
      ...(s.generator ? { generator: s.generator } : {}),
      connectionId: s.connectionId,
      connectedAt: s.connectedAt,
      controlPlane,
      ...(admin ? { admin } : {}),
      types: s.types,
    };
  });
}
