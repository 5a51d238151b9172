// A Gateway API listener → the Istio Gateway server it becomes (HTTP, HTTPS/TLS terminating with Istio's
// `kubernetes-gateway://<ns>/<name>` credentialName, TLS passthrough, TCP), the route kinds it takes, and its
// status conditions as Istio writes them (Accepted, Conflicted, Programmed, ResolvedRefs).
import type { KubeGatewayListener, KubeGatewaySpec, Server } from '../../api/index.js';
import type { Resource } from '../../api/resource.js';
import { GATEWAY_API_GROUP, type ReferenceGrants } from './gateway-api-refs.js';

/** Istio's SDS prefix for a Gateway API certificateRef (`kubernetes-gateway://<namespace>/<name>`). */
export const KUBERNETES_GATEWAY_PREFIX = 'kubernetes-gateway://';
/** Istio's listener option choosing MUTUAL or ISTIO_MUTUAL termination. */
const TERMINATE_MODE_OPTION = 'gateway.istio.io/tls-terminate-mode';

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface RouteGroupKind {
  group: string;
  kind: string;
}

export interface ListenerState {
  gateway: Resource<KubeGatewaySpec>;
  listener: KubeGatewayListener;
  /** Internal gateway key `ns/name` routes bind to. */
  key: string;
  /** The converted server; undefined when the listener is not programmed (bad TLS, unsupported protocol). */
  server?: Server;
  /** Route kinds this listener takes (its protocol's, narrowed by allowedRoutes.kinds). */
  supportedKinds: RouteGroupKind[];
  conditions: Condition[];
  attachedRoutes: number;
}

const ok = (type: string, reason: string, message = 'No errors found'): Condition => ({
  type,
  status: 'True',
  reason,
  message,
});
const failed = (type: string, reason: string, message: string): Condition => ({
  type,
  status: 'False',
  reason,
  message,
});

/** The route kinds a protocol carries: HTTP/HTTPS take HTTP and gRPC routes; TLS passthrough TLSRoute; TCP and terminated TLS TCPRoute. */
function protocolKinds(l: KubeGatewayListener): string[] {
  switch (l.protocol) {
    case 'HTTP':
    case 'HTTPS':
      return ['HTTPRoute', 'GRPCRoute'];
    case 'TCP':
      return ['TCPRoute'];
    case 'TLS':
      return l.tls?.mode === 'Passthrough' ? ['TLSRoute'] : ['TCPRoute'];
    default:
      return [];
  }
}

/** Supported kinds, and whether every kind allowedRoutes.kinds names is one of them. */
export function supportedKinds(l: KubeGatewayListener): { kinds: RouteGroupKind[]; valid: boolean } {
  const supported = protocolKinds(l).map((kind) => ({ group: GATEWAY_API_GROUP, kind }));
  const wanted = l.allowedRoutes?.kinds;
  if (!wanted?.length) return { kinds: supported, valid: true };
  const kinds = supported.filter((s) =>
    wanted.some((w) => w.kind === s.kind && (w.group ?? GATEWAY_API_GROUP) === s.group),
  );
  return { kinds, valid: kinds.length === wanted.length };
}

export interface ListenerContext {
  grants: ReferenceGrants;
  /** Why a Secret cannot serve as the certificate (missing, no key); undefined when it can or is unchecked. */
  secretProblem?: (namespace: string, name: string) => string | undefined;
}

/** The TLS settings of a server, or the listener's ResolvedRefs problem. */
function serverTls(
  gw: Resource<KubeGatewaySpec>,
  l: KubeGatewayListener,
  ctx: ListenerContext,
): { tls?: Server['tls']; error?: { reason: string; message: string } } {
  const tls = l.tls;
  if (!tls) return {};
  if (tls.mode === 'Passthrough') return { tls: { mode: 'PASSTHROUGH' } };
  const option = tls.options?.[TERMINATE_MODE_OPTION];
  if (option === 'ISTIO_MUTUAL') return { tls: { mode: 'ISTIO_MUTUAL' } };
  const mode = option === 'MUTUAL' ? 'MUTUAL' : 'SIMPLE';
  const refs = tls.certificateRefs ?? [];
  if (refs.length !== 1) {
    return {
      error: {
        reason: 'InvalidCertificateRef',
        message: 'exactly 1 certificateRefs should be present for TLS termination',
      },
    };
  }
  const ref = refs[0];
  const gwNs = gw.metadata.namespace;
  const ns = ref.namespace ?? gwNs;
  const refString = `${ref.group ?? ''}/${ref.kind ?? ''}/${ref.name}.${ref.namespace ?? ''}`;
  if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') {
    return {
      error: {
        reason: 'InvalidCertificateRef',
        message: `invalid certificate reference ${refString}, only secret is allowed`,
      },
    };
  }
  const problem = ctx.secretProblem?.(ns, ref.name);
  if (problem) {
    return {
      error: {
        reason: 'InvalidCertificateRef',
        message: `invalid certificate reference ${refString}, ${problem}`,
      },
    };
  }
  if (!ctx.grants.allows('Gateway', gwNs, 'Secret', ns, ref.name)) {
    return {
      error: {
        reason: 'RefNotPermitted',
        message: `certificateRef ${ref.name}/${ns} not accessible to a Gateway in namespace "${gwNs}" (missing a ReferenceGrant?)`,
      },
    };
  }
  return { tls: { mode, credentialName: `${KUBERNETES_GATEWAY_PREFIX}${ns}/${ref.name}` } };
}

const SUPPORTED_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'TLS', 'TCP']);

/** One listener's server and status; `key` is the internal Gateway it becomes. */
export function buildListener(
  gw: Resource<KubeGatewaySpec>,
  l: KubeGatewayListener,
  key: string,
  ctx: ListenerContext,
): ListenerState {
  const conditions = new Map<string, Condition>([
    ['Accepted', ok('Accepted', 'Accepted')],
    ['Conflicted', { ...ok('Conflicted', 'NoConflicts'), status: 'False' }],
    ['Programmed', ok('Programmed', 'Programmed')],
    ['ResolvedRefs', ok('ResolvedRefs', 'ResolvedRefs')],
  ]);
  let programmed = true;
  if (!SUPPORTED_PROTOCOLS.has(l.protocol)) {
    const upper = l.protocol.toUpperCase();
    const hint = SUPPORTED_PROTOCOLS.has(upper) ? `. hint: "${upper}" (uppercase) may be supported` : '';
    conditions.set(
      'Accepted',
      failed('Accepted', 'UnsupportedProtocol', `protocol "${l.protocol}" is unsupported${hint}`),
    );
    conditions.set('Programmed', failed('Programmed', 'Invalid', 'Unsupported protocol'));
    programmed = false;
  }
  const { tls, error } = serverTls(gw, l, ctx);
  if (error) {
    conditions.set('ResolvedRefs', failed('ResolvedRefs', error.reason, error.message));
    conditions.set('Programmed', failed('Programmed', 'Invalid', 'Bad TLS configuration'));
    programmed = false;
  }
  const kinds = supportedKinds(l);
  if (!kinds.valid)
    conditions.set('ResolvedRefs', failed('ResolvedRefs', 'InvalidRouteKinds', 'Invalid route kinds'));
  const server: Server | undefined = programmed
    ? {
        port: { number: l.port, protocol: l.protocol, name: l.name },
        hosts: [`*/${l.hostname ?? '*'}`],
        ...(tls ? { tls } : {}),
      }
    : undefined;
  return {
    gateway: gw,
    listener: l,
    key,
    server,
    supportedKinds: kinds.kinds,
    conditions: [...conditions.values()],
    attachedRoutes: 0,
  };
}
