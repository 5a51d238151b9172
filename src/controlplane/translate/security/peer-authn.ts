// PeerAuthentication resolution with Istio's precedence: the effective mTLS mode of a workload (per port) from
// the mesh (root namespace), namespace and workload policies, and the namespace-level mode clients use as
// their auto-mTLS hint.
import type { PeerAuthenticationSpec } from '../../../api/index.js';
import { ISTIO_DEFAULTS } from '../../../api/index.js';
import { labelsMatch } from '../../../api/labels.js';
import type { Resource } from '../../../api/resource.js';
import type { Snapshot } from '../../model/snapshot.js';

/** A resolved mode: UNSET never survives resolution. */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface EffectiveMtls {
  /** The workload's mode (ports without a port-level setting). */
  mode: MtlsMode;
  /** portLevelMtls of the workload policy, keyed by the workload (target) port. */
  perPort: ReadonlyMap<number, MtlsMode>;
}

type Policy = Resource<PeerAuthenticationSpec>;

/** The mesh default when no policy sets a mode: PERMISSIVE. */
const MESH_DEFAULT = ISTIO_DEFAULTS.mtlsMode as MtlsMode;

const isScopeWide = (p: Policy) => Object.keys(p.spec.selector?.matchLabels ?? {}).length === 0;

function creationTime(p: Policy): string {
  const t = p.metadata.creationTimestamp;
  return typeof t === 'string' ? t : '';
}

/**
 * The oldest policy wins inside one scope (Istio's rule); without creation timestamps (files) the
 * snapshot's name order decides, so the choice is stable.
 */
function oldest(list: readonly Policy[]): Policy | undefined {
  let best: Policy | undefined;
  for (const p of list) if (best === undefined || creationTime(p) < creationTime(best)) best = p;
  return best;
}

const setMode = (m: PeerAuthenticationSpec['mtls']): MtlsMode | undefined =>
  m?.mode === undefined || m.mode === 'UNSET' ? undefined : m.mode;

/**
 * The effective mode of a workload in `namespace` with `labels`. Workload-selecting policies in the root
 * namespace are ignored (as in Istio); `labels` undefined resolves the namespace level only.
 */
export function effectiveMtls(
  snapshot: Snapshot,
  namespace: string,
  labels: Readonly<Record<string, string>> | undefined,
): EffectiveMtls {
  const root = snapshot.mesh.rootNamespace;
  const mesh = oldest(snapshot.peerAuthentications(root).filter(isScopeWide));
  const own = namespace === root ? [] : snapshot.peerAuthentications(namespace);
  const nsPolicy = oldest(own.filter(isScopeWide));
  const workload =
    labels === undefined
      ? undefined
      : oldest(own.filter((p) => !isScopeWide(p) && labelsMatch(p.spec.selector?.matchLabels ?? {}, labels)));
  // UNSET inherits: mesh → namespace → workload → port.
  let mode = MESH_DEFAULT;
  mode = setMode(mesh?.spec.mtls) ?? mode;
  mode = setMode(nsPolicy?.spec.mtls) ?? mode;
  mode = setMode(workload?.spec.mtls) ?? mode;
  const perPort = new Map<number, MtlsMode>();
  for (const [port, m] of Object.entries(workload?.spec.portLevelMtls ?? {}))
    perPort.set(Number(port), setMode(m) ?? mode);
  return { mode, perPort };
}

/** The mode of one workload port. */
export function portMode(m: EffectiveMtls, port: number): MtlsMode {
  return m.perPort.get(port) ?? m.mode;
}

/**
 * Istio's hint for client-side auto mTLS (its BestEffortInferServiceMTLSMode): the destination namespace's
 * (or the mesh's) mode only — workload and port policies are not visible to clients.
 */
export function namespaceMtlsMode(snapshot: Snapshot, namespace: string): MtlsMode {
  return effectiveMtls(snapshot, namespace, undefined).mode;
}
