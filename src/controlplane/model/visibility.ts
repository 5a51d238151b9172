// Istio's exportTo rules and gateway-name normalization shared by the snapshot's indexes.
import { toFqdn } from '../../api/host.js';

/** Whether config or a service from `ownerNamespace` with `exportTo` is visible from `namespace`. */
export function isExportedTo(
  exportTo: readonly string[] | undefined,
  ownerNamespace: string,
  namespace: string,
): boolean {
  if (exportTo === undefined || exportTo.length === 0) return true;
  for (const e of exportTo) {
    if (e === '*') return true;
    if (e === '~') continue;
    if (e === '.' && ownerNamespace === namespace) return true;
    if (e === namespace) return true;
  }
  return false;
}

/**
 * The `namespace/name` key of a gateway as a VirtualService in `vsNamespace` names it: `mesh` stays `mesh`,
 * `ns/name` is kept, Istio's old `name.ns.svc.cluster.local` form becomes `ns/name`, a bare name is local.
 */
export function gatewayKey(ref: string, vsNamespace: string): string {
  if (ref === 'mesh') return 'mesh';
  if (ref.includes('/')) return ref;
  const labels = ref.split('.');
  if (labels.length >= 2) return `${labels[1]}/${labels[0]}`;
  return `${vsNamespace}/${ref}`;
}

/** A VirtualService or DestinationRule host as a FQDN (short names resolve against the config's namespace). */
export function configHost(host: string, namespace: string, domain: string): string {
  return toFqdn(host, namespace, domain).toLowerCase();
}
