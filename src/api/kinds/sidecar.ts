// Sidecar (networking.istio.io): what a workload's proxy accepts inbound and may reach outbound.
import { workloadSelector } from '../common.js';
import { namespacedHostError } from '../host.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, enumOf, type Infer, int, obj, str } from '../schema.js';
import { checkProtocol, serverTlsSettings } from './gateway.js';
import { connectionPoolSettings } from './traffic-policy.js';
import { ISTIO_NETWORKING, NETWORKING_VERSIONS } from './virtual-service.js';
import { destination } from './vs-http.js';

const sidecarPort = () =>
  obj({
    number: int({ min: 1, max: 65535 }).required(),
    protocol: str().check(checkProtocol),
    name: str(),
    targetPort: int({ min: 1, max: 65535 }),
  });

const captureMode = () => enumOf(['DEFAULT', 'IPTABLES', 'NONE']);

const ingressListener = () =>
  obj({
    port: sidecarPort().required(),
    bind: str(),
    captureMode: captureMode(),
    defaultEndpoint: str(),
    tls: serverTlsSettings(),
    connectionPool: connectionPoolSettings(),
  });

const egressListener = () =>
  obj({
    port: sidecarPort(),
    bind: str(),
    captureMode: captureMode(),
    // `namespace/host` entries: `./*` (own namespace), `istio-system/*`, `*/api.example.com`, `~/*` (none).
    hosts: arr(
      str().check((v, ctx, path) => {
        const e = namespacedHostError(v, true);
        if (e) ctx.error(path, e, 'host');
      }),
      { minItems: 1 },
    ).required(),
  });

export const sidecarSpec = obj({
  workloadSelector: workloadSelector(),
  ingress: arr(ingressListener()),
  egress: arr(egressListener()),
  outboundTrafficPolicy: obj({ mode: enumOf(['REGISTRY_ONLY', 'ALLOW_ANY']), egressProxy: destination() }),
  inboundConnectionPool: connectionPoolSettings(),
});

export type SidecarSpec = Infer<typeof sidecarSpec>;
export type IstioIngressListener = Infer<ReturnType<typeof ingressListener>>;
export type IstioEgressListener = Infer<ReturnType<typeof egressListener>>;
export type SidecarResource = Resource<SidecarSpec>;

export const sidecarKind = defineKind({
  kind: 'Sidecar',
  group: ISTIO_NETWORKING,
  versions: NETWORKING_VERSIONS,
  namespaced: true,
  spec: sidecarSpec,
  description: "scopes a workload proxy's inbound ports and the hosts it can reach",
});
