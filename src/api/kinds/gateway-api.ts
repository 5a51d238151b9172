// Gateway API GatewayClass and Gateway (gateway.networking.k8s.io): which implementation, which listeners.
import { labelMap, labelSelector } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { anything, arr, enumOf, type Infer, int, map, obj, str } from '../schema.js';
import { GATEWAY_API, GATEWAY_API_VERSIONS, hostname } from './gateway-api-common.js';

const parametersRef = () =>
  obj({
    group: str().required(),
    kind: str({ nonEmpty: true }).required(),
    name: str({ nonEmpty: true }).required(),
    namespace: str(),
  });

export const gatewayClassSpec = obj({
  controllerName: str({ nonEmpty: true }).required(),
  parametersRef: parametersRef(),
  description: str(),
});

/** A Secret by default (group '', kind Secret); another namespace's needs a ReferenceGrant there. */
const certificateRef = () =>
  obj({ group: str(), kind: str(), name: str({ nonEmpty: true }).required(), namespace: str() });

const listener = () =>
  obj(
    {
      name: str({ nonEmpty: true }).required(),
      hostname: hostname(),
      port: int({ min: 1, max: 65535 }).required(),
      /** HTTP, HTTPS, TLS, TCP, UDP, or an implementation's domain-prefixed protocol. */
      protocol: str({ nonEmpty: true }).required(),
      tls: obj({
        mode: enumOf(['Terminate', 'Passthrough']).default('Terminate'),
        certificateRefs: arr(certificateRef()),
        options: map(str()),
        frontendValidation: anything(),
      }),
      allowedRoutes: obj({
        namespaces: obj({
          from: enumOf(['All', 'Same', 'Selector']).default('Same'),
          selector: labelSelector(),
        }),
        kinds: arr(obj({ group: str(), kind: str({ nonEmpty: true }).required() })),
      }),
    },
    {
      check: (l, ctx, path) => {
        const core = ['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'];
        if (!core.includes(l.protocol) && !l.protocol.includes('/')) {
          ctx.error(
            `${path}.protocol`,
            `unknown protocol "${l.protocol}" (use ${core.join(', ')} or a domain-prefixed name)`,
            'protocol',
          );
        }
        if (l.protocol === 'HTTPS' && l.tls?.mode === 'Terminate' && !l.tls.certificateRefs?.length) {
          ctx.error(
            `${path}.tls.certificateRefs`,
            'an HTTPS listener that terminates TLS needs certificateRefs',
            'tls',
          );
        }
        if ((l.protocol === 'HTTPS' || l.protocol === 'TLS') && !l.tls)
          ctx.error(`${path}.tls`, `a ${l.protocol} listener needs tls`, 'tls');
        if (l.protocol === 'HTTPS' && l.tls?.mode === 'Passthrough') {
          ctx.error(
            `${path}.tls.mode`,
            'an HTTPS listener terminates TLS (mode Terminate); use protocol TLS for Passthrough',
            'tls',
          );
        }
        if (l.protocol === 'TLS' && l.tls?.mode === 'Terminate' && !l.tls.certificateRefs?.length) {
          ctx.error(
            `${path}.tls.certificateRefs`,
            'a TLS listener that terminates TLS needs certificateRefs',
            'tls',
          );
        }
        if (l.tls?.mode === 'Passthrough' && l.tls.certificateRefs?.length) {
          ctx.error(
            `${path}.tls.certificateRefs`,
            'a Passthrough listener does not terminate TLS: certificateRefs are not used',
            'tls',
          );
        }
        if ((l.protocol === 'HTTP' || l.protocol === 'TCP') && l.tls) {
          ctx.error(`${path}.tls`, `a ${l.protocol} listener has no TLS settings (use HTTPS or TLS)`, 'tls');
        }
        if (l.allowedRoutes?.namespaces?.from === 'Selector' && !l.allowedRoutes.namespaces.selector) {
          ctx.error(
            `${path}.allowedRoutes.namespaces.selector`,
            'from: Selector needs a selector',
            'required',
          );
        }
      },
    },
  );

export const kubeGatewaySpec = obj({
  gatewayClassName: str({ nonEmpty: true }).required(),
  listeners: arr(listener(), { minItems: 1 })
    .required()
    .check((ls, ctx, path) => {
      const seen = new Map<string, number>();
      ls.forEach((l, i) => {
        const prev = seen.get(l.name);
        if (prev !== undefined)
          ctx.error(
            `${path}[${i}].name`,
            `duplicate listener name "${l.name}" (first at listeners[${prev}])`,
            'duplicate-listener',
          );
        else seen.set(l.name, i);
      });
    }),
  addresses: arr(obj({ type: str(), value: str({ nonEmpty: true }).required() })),
  infrastructure: obj({ labels: labelMap(), annotations: map(str()), parametersRef: parametersRef() }),
  backendTLS: anything(),
});

export type GatewayClassSpec = Infer<typeof gatewayClassSpec>;
/** The Gateway API Gateway (not Istio's networking.istio.io Gateway, which is `GatewaySpec`). */
export type KubeGatewaySpec = Infer<typeof kubeGatewaySpec>;
export type KubeGatewayListener = Infer<ReturnType<typeof listener>>;
export type GatewayClassResource = Resource<GatewayClassSpec>;
export type KubeGatewayResource = Resource<KubeGatewaySpec>;

export const gatewayClassKind = defineKind({
  kind: 'GatewayClass',
  group: GATEWAY_API,
  versions: GATEWAY_API_VERSIONS,
  namespaced: false,
  spec: gatewayClassSpec,
  description: 'a kind of gateway and the controller that implements it',
});

export const kubeGatewayKind = defineKind({
  kind: 'Gateway',
  group: GATEWAY_API,
  versions: GATEWAY_API_VERSIONS,
  namespaced: true,
  spec: kubeGatewaySpec,
  description: 'a Gateway API gateway: listeners (port, protocol, hostname, TLS) and which routes may attach',
});
