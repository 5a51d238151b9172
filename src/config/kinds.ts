// Resource identity in the stores: kind keys (`group/Kind`, bare for the core group), default namespaces, keys.
import { KINDS } from '../api/index.js';
import type { Resource } from './api.js';

/** The API group of an apiVersion: `networking.istio.io/v1` → `networking.istio.io`, `v1` → ''. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The version-independent kind key the stores index by: `networking.istio.io/VirtualService`, or the bare
 * kind for Kubernetes' core group (`Service`, `Namespace`). Versions (v1, v1beta1, v1alpha3) share one key,
 * as in Istio, and same-named kinds of different groups (Istio's and Gateway API's `Gateway`) stay apart.
 */
export function kindKey(apiVersion: string, kind: string): string {
  const group = groupOf(apiVersion);
  return group === '' ? kind : `${group}/${kind}`;
}

/** Bare kinds that name one group without ambiguity, plus the lower-case, plural and short spellings. */
const DEFAULT_GROUPS: Record<string, { group: string; plural: string; short?: string[] }> = {
  VirtualService: { group: 'networking.istio.io', plural: 'virtualservices', short: ['vs'] },
  DestinationRule: { group: 'networking.istio.io', plural: 'destinationrules', short: ['dr'] },
  Gateway: { group: 'networking.istio.io', plural: 'gateways', short: ['gw'] },
  ServiceEntry: { group: 'networking.istio.io', plural: 'serviceentries', short: ['se'] },
  WorkloadEntry: { group: 'networking.istio.io', plural: 'workloadentries', short: ['we'] },
  WorkloadGroup: { group: 'networking.istio.io', plural: 'workloadgroups', short: ['wg'] },
  Sidecar: { group: 'networking.istio.io', plural: 'sidecars' },
  EnvoyFilter: { group: 'networking.istio.io', plural: 'envoyfilters' },
  ProxyConfig: { group: 'networking.istio.io', plural: 'proxyconfigs' },
  PeerAuthentication: { group: 'security.istio.io', plural: 'peerauthentications', short: ['pa'] },
  RequestAuthentication: { group: 'security.istio.io', plural: 'requestauthentications', short: ['ra'] },
  AuthorizationPolicy: { group: 'security.istio.io', plural: 'authorizationpolicies', short: ['ap'] },
  Telemetry: { group: 'telemetry.istio.io', plural: 'telemetries' },
  GatewayClass: { group: 'gateway.networking.k8s.io', plural: 'gatewayclasses' },
  HTTPRoute: { group: 'gateway.networking.k8s.io', plural: 'httproutes' },
  GRPCRoute: { group: 'gateway.networking.k8s.io', plural: 'grpcroutes' },
  TCPRoute: { group: 'gateway.networking.k8s.io', plural: 'tcproutes' },
  TLSRoute: { group: 'gateway.networking.k8s.io', plural: 'tlsroutes' },
  ReferenceGrant: { group: 'gateway.networking.k8s.io', plural: 'referencegrants' },
  Rollout: { group: 'argoproj.io', plural: 'rollouts', short: ['ro'] },
  AnalysisTemplate: { group: 'argoproj.io', plural: 'analysistemplates' },
  Service: { group: '', plural: 'services', short: ['svc'] },
  Namespace: { group: '', plural: 'namespaces', short: ['ns'] },
  Secret: { group: '', plural: 'secrets' },
};

const SPELLINGS = new Map<string, string>();
for (const [kind, info] of Object.entries(DEFAULT_GROUPS)) {
  const key = info.group === '' ? kind : `${info.group}/${kind}`;
  for (const s of [kind, kind.toLowerCase(), info.plural, ...(info.short ?? [])]) SPELLINGS.set(s, key);
}
// Kinds src/api knows that the table above does not name yet (first group wins for a bare name).
for (const def of KINDS) {
  const key = def.group === '' ? def.kind : `${def.group}/${def.kind}`;
  for (const s of [def.kind, def.kind.toLowerCase()]) if (!SPELLINGS.has(s)) SPELLINGS.set(s, key);
}

/**
 * Turns what a caller names a kind into the store's kind key: a key already qualified (`group/Kind`) is kept;
 * a bare kind, its plural or short name (`VirtualService`, `virtualservices`, `vs`) gets its default group
 * (Istio's `Gateway` for `Gateway`; ask for `gateway.networking.k8s.io/Gateway` or kubectl's
 * `gateway.gateway.networking.k8s.io` explicitly). Unknown bare
 * kinds are taken as core-group kinds.
 */
export function normalizeKind(kind: string): string {
  if (kind.includes('/')) return kind;
  const known = SPELLINGS.get(kind) ?? SPELLINGS.get(kind.toLowerCase());
  if (known) return known;
  // kubectl's `<kind>.<group>` (`gateway.gateway.networking.k8s.io`, `gateways.networking.istio.io`).
  const dot = kind.indexOf('.');
  if (dot > 0) {
    const group = kind.slice(dot + 1);
    const bare = kind.slice(0, dot).toLowerCase();
    const def = KINDS.find(
      (d) => d.group === group && [d.kind, `${d.kind}s`, `${d.kind}es`].some((s) => s.toLowerCase() === bare),
    );
    if (def) return `${def.group}/${def.kind}`;
  }
  return kind;
}

/** Kinds that live outside namespaces (their namespace is ''). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'gateway.networking.k8s.io/GatewayClass',
  ...KINDS.filter((def) => !def.namespaced).map((def) =>
    def.group === '' ? def.kind : `${def.group}/${def.kind}`,
  ),
]);

export function isClusterScoped(key: string): boolean {
  return CLUSTER_SCOPED.has(key);
}

/** The namespace a resource is stored under: its own, 'default' when unset, '' for cluster-scoped kinds. */
export function namespaceOf(resource: Pick<Resource, 'apiVersion' | 'kind' | 'metadata'>): string {
  if (isClusterScoped(kindKey(resource.apiVersion, resource.kind))) return '';
  return resource.metadata.namespace || 'default';
}

/** The identity of one stored resource. */
export interface ResourceKey {
  kind: string;
  namespace: string;
  name: string;
}

export function keyOf(resource: Pick<Resource, 'apiVersion' | 'kind' | 'metadata'>): ResourceKey {
  return {
    kind: kindKey(resource.apiVersion, resource.kind),
    namespace: namespaceOf(resource),
    name: resource.metadata.name,
  };
}

/** One string per identity, for maps: `kind|namespace|name`. */
export function keyString(key: ResourceKey): string {
  return `${key.kind}|${key.namespace}|${key.name}`;
}

/** `networking.istio.io/VirtualService default/reviews`, for messages. */
export function describeKey(key: ResourceKey): string {
  return `${key.kind} ${key.namespace ? `${key.namespace}/` : ''}${key.name}`;
}
