// Gateway (networking.istio.io): the ports, protocols, hosts and TLS an ingress/egress gateway listens with.
import { exportTo, labelMap } from '../common.js';
import { namespacedHostError } from '../host.js';
import { defineKind } from '../kind.js';
import type { Resource } from '../resource.js';
import { arr, bool, type Ctx, enumOf, type Infer, int, map, obj, str } from '../schema.js';
import { ISTIO_NETWORKING, NETWORKING_VERSIONS } from './virtual-service.js';

/** Port protocols Istio names (matched case-insensitively, as Istio does). */
export const PROTOCOLS = [
  'HTTP',
  'HTTPS',
  'GRPC',
  'GRPC-WEB',
  'HTTP2',
  'MONGO',
  'MYSQL',
  'REDIS',
  'TCP',
  'TLS',
  'UDP',
] as const;

export function checkProtocol(v: string, ctx: Ctx, path: string): void {
  if (!(PROTOCOLS as readonly string[]).includes(v.toUpperCase())) {
    ctx.error(path, `unknown protocol "${v}" (use ${PROTOCOLS.join(', ')})`, 'protocol');
  }
}

export const port = () =>
  obj({
    number: int({ min: 1, max: 65535 }).required(),
    protocol: str().required().check(checkProtocol),
    name: str(),
    targetPort: int({ min: 1, max: 65535 }),
  });

const TLS_VERSIONS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'] as const;

export const serverTlsSettings = () =>
  obj(
    {
      httpsRedirect: bool(),
      mode: enumOf([
        'PASSTHROUGH',
        'SIMPLE',
        'MUTUAL',
        'AUTO_PASSTHROUGH',
        'ISTIO_MUTUAL',
        'OPTIONAL_MUTUAL',
      ]),
      serverCertificate: str(),
      privateKey: str(),
      caCertificates: str(),
      caCrl: str(),
      credentialName: str(),
      credentialNames: arr(str()),
      tlsCertificates: arr(obj({ serverCertificate: str(), privateKey: str(), caCertificates: str() })),
      subjectAltNames: arr(str()),
      verifyCertificateSpki: arr(str()),
      verifyCertificateHash: arr(str()),
      minProtocolVersion: enumOf(TLS_VERSIONS),
      maxProtocolVersion: enumOf(TLS_VERSIONS),
      cipherSuites: arr(str()),
    },
    {
      check: (t, ctx, path) => {
        const terminates = t.mode === 'SIMPLE' || t.mode === 'MUTUAL' || t.mode === 'OPTIONAL_MUTUAL';
        const hasCert =
          t.credentialName ||
          t.credentialNames?.length ||
          t.tlsCertificates?.length ||
          (t.serverCertificate && t.privateKey);
        if (terminates && !hasCert) {
          ctx.error(path, `mode ${t.mode} needs credentialName, or serverCertificate and privateKey`, 'tls');
        }
      },
    },
  );

const server = () =>
  obj(
    {
      port: port().required(),
      bind: str(),
      hosts: arr(
        str().check((v, ctx, path) => {
          const e = namespacedHostError(v, false);
          if (e) ctx.error(path, e, 'host');
        }),
        { minItems: 1 },
      ).required(),
      tls: serverTlsSettings(),
      defaultEndpoint: str(),
      name: str(),
    },
    {
      check: (s, ctx, path) => {
        const p = s.port.protocol.toUpperCase();
        if ((p === 'HTTPS' || p === 'TLS') && !s.tls)
          ctx.error(`${path}.tls`, `a server with protocol ${p} needs tls settings`, 'tls');
      },
    },
  );

export const gatewaySpec = obj({
  servers: arr(server(), { minItems: 1 }).required(),
  /** Labels of the gateway workloads (pods/processes) this configuration applies to. */
  selector: labelMap(),
  exportTo: exportTo(),
  addresses: map(str()),
});

export type GatewaySpec = Infer<typeof gatewaySpec>;
export type Server = Infer<ReturnType<typeof server>>;
export type Port = Infer<ReturnType<typeof port>>;
export type ServerTLSSettings = Infer<ReturnType<typeof serverTlsSettings>>;
export type GatewayResource = Resource<GatewaySpec>;

export const gatewayKind = defineKind({
  kind: 'Gateway',
  group: ISTIO_NETWORKING,
  versions: NETWORKING_VERSIONS,
  namespaced: true,
  spec: gatewaySpec,
  description: 'a load balancer at the edge of the mesh: ports, hosts and TLS',
});
