// PeerAuthentication (security.istio.io): whether workloads accept plaintext, mutual TLS, or both.
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { enumOf, type Infer, map, obj } from '../schema.js';
import { checkTargeting, ISTIO_SECURITY, SECURITY_VERSIONS, targeting } from './security-common.js';

/** UNSET inherits from the parent scope (workload → namespace → mesh); the mesh default is PERMISSIVE. */
export const MTLS_MODES = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] as const;
const mtls = () => obj({ mode: enumOf(MTLS_MODES).default('UNSET') });

export const peerAuthenticationSpec = obj(
  {
    ...targeting(),
    mtls: mtls(),
    /** Per-port overrides keyed by the workload's (target) port number. */
    portLevelMtls: map(mtls(), {
      key: (k, ctx, path) => {
        const n = Number(k);
        if (!/^\d+$/.test(k) || n < 1 || n > 65535)
          ctx.error(path, `port-level mTLS keys are port numbers (got "${k}")`, 'port');
      },
    }),
  },
  {
    check: (pa, ctx, path) => {
      checkTargeting(pa, ctx, path);
      if (pa.portLevelMtls && Object.keys(pa.portLevelMtls).length > 0 && !pa.selector?.matchLabels) {
        ctx.error(
          `${path}.portLevelMtls`,
          'portLevelMtls needs a selector: port numbers only mean something for chosen workloads',
          'selector',
        );
      }
    },
  },
);

export type PeerAuthenticationSpec = Infer<typeof peerAuthenticationSpec>;
export type MtlsMode = (typeof MTLS_MODES)[number];
export type PeerAuthenticationResource = Resource<PeerAuthenticationSpec>;

export const peerAuthenticationKind = defineKind({
  kind: 'PeerAuthentication',
  group: ISTIO_SECURITY,
  versions: SECURITY_VERSIONS,
  namespaced: true,
  spec: peerAuthenticationSpec,
  description: 'mutual TLS mode (STRICT, PERMISSIVE, DISABLE) for the mesh, a namespace, workloads or ports',
});
