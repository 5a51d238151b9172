// Kubernetes core Service and Namespace (v1): the ports, names, appProtocol and selectors the mesh reads.
import { dnsLabel } from '../common.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { anything, arr, bool, either, enumOf, type Infer, int, map, obj, str } from '../schema.js';

const servicePort = () =>
  obj({
    /** Istio picks the protocol from a name prefix (`http-`, `grpc-`, `tcp-`…) or from appProtocol. */
    name: dnsLabel(),
    protocol: enumOf(['TCP', 'UDP', 'SCTP']).default('TCP'),
    appProtocol: str(),
    port: int({ min: 1, max: 65535 }).required(),
    /** A number, or the name of a container port; defaults to `port`. */
    targetPort: either(int({ min: 1, max: 65535 }), (v) => typeof v === 'number', dnsLabel()),
    nodePort: int({ min: 1, max: 65535 }),
  });

export const serviceSpec = obj(
  {
    selector: map(str()),
    ports: arr(servicePort()),
    type: enumOf(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).default('ClusterIP'),
    clusterIP: str(),
    clusterIPs: arr(str()),
    externalName: str(),
    externalIPs: arr(str()),
    sessionAffinity: enumOf(['None', 'ClientIP']),
    sessionAffinityConfig: anything(),
    loadBalancerIP: str(),
    loadBalancerSourceRanges: arr(str()),
    loadBalancerClass: str(),
    ipFamilies: arr(enumOf(['IPv4', 'IPv6'])),
    ipFamilyPolicy: enumOf(['SingleStack', 'PreferDualStack', 'RequireDualStack']),
    internalTrafficPolicy: enumOf(['Cluster', 'Local']),
    externalTrafficPolicy: enumOf(['Cluster', 'Local']),
    healthCheckNodePort: int({ min: 1, max: 65535 }),
    publishNotReadyAddresses: bool(),
    allocateLoadBalancerNodePorts: bool(),
    trafficDistribution: str(),
  },
  {
    check: (s, ctx, path) => {
      const ports = s.ports ?? [];
      const names = new Map<string, number>();
      const numbers = new Map<string, number>();
      ports.forEach((p, i) => {
        if (ports.length > 1 && !p.name)
          ctx.error(
            `${path}.ports[${i}].name`,
            'every port needs a name when a Service has several',
            'required',
          );
        if (p.name !== undefined) {
          const prev = names.get(p.name);
          if (prev !== undefined)
            ctx.error(
              `${path}.ports[${i}].name`,
              `duplicate port name "${p.name}" (first at ports[${prev}])`,
              'duplicate-port',
            );
          else names.set(p.name, i);
        }
        const key = `${p.port}/${p.protocol}`;
        const prevN = numbers.get(key);
        if (prevN !== undefined)
          ctx.error(
            `${path}.ports[${i}].port`,
            `duplicate port ${key} (first at ports[${prevN}])`,
            'duplicate-port',
          );
        else numbers.set(key, i);
      });
      if (s.type === 'ExternalName' && !s.externalName)
        ctx.error(`${path}.externalName`, 'type ExternalName needs externalName', 'required');
    },
  },
);

/** The protocol Istio infers for a Service port: appProtocol first, then the name prefix (`http-web` → HTTP). */
export function portProtocol(p: { name?: string; appProtocol?: string; protocol?: string }): string {
  if (p.protocol === 'UDP') return 'UDP';
  const fromName = (s: string): string | undefined => {
    const prefix = s.toLowerCase().split('-')[0];
    const known: Record<string, string> = {
      http: 'HTTP',
      http2: 'HTTP2',
      https: 'HTTPS',
      grpc: 'GRPC',
      'grpc-web': 'GRPC-WEB',
      h2c: 'HTTP2',
      tcp: 'TCP',
      tls: 'TLS',
      mongo: 'MONGO',
      mysql: 'MYSQL',
      redis: 'REDIS',
      udp: 'UDP',
    };
    if (s.toLowerCase().startsWith('grpc-web')) return 'GRPC-WEB';
    return known[prefix];
  };
  if (p.appProtocol) {
    const a = p.appProtocol.replace(/^kubernetes\.io\//, '');
    return fromName(a) ?? 'TCP';
  }
  return (p.name && fromName(p.name)) || 'UNKNOWN';
}

export const namespaceSpec = obj({ finalizers: arr(str()) });

export type ServiceSpec = Infer<typeof serviceSpec>;
export type KubeServicePort = Infer<ReturnType<typeof servicePort>>;
export type NamespaceSpec = Infer<typeof namespaceSpec>;
export type ServiceResource = Resource<ServiceSpec>;
export type NamespaceResource = Resource<NamespaceSpec>;

export const serviceKind = defineKind({
  kind: 'Service',
  group: '',
  versions: ['v1'],
  namespaced: true,
  spec: serviceSpec,
  description: 'a Kubernetes Service: selector and named ports (the mesh reads protocols from the names)',
});

export const namespaceKind = defineKind({
  kind: 'Namespace',
  group: '',
  versions: ['v1'],
  namespaced: false,
  spec: namespaceSpec,
  specOptional: true,
  description: 'a Kubernetes Namespace; its labels (istio-injection, istio.io/dataplane-mode) steer the mesh',
});
