// mTLS for proxyless gRPC as Istio's gRPC generator builds it: no SDS (gRPC has none) but gRPC's certificate
// provider instances, which the client's bootstrap maps to files its agent keeps fresh (`default` names the
// workload certificate, `ROOTCA` the mesh roots, both from the bootstrap's `default` provider).
import { create } from '@bufbuild/protobuf';
import { type TransportSocket, TransportSocketSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import {
  CertificateProviderPluginInstanceSchema,
  CertificateValidationContextSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import {
  CommonTlsContextSchema,
  DownstreamTlsContextSchema,
  UpstreamTlsContextSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { StringMatcherSchema } from '../../generated/envoy/type/matcher/v3/string_pb.js';
import { SDS_DEFAULT, SDS_ROOT, TLS_TRANSPORT_SOCKET } from '../translate/cluster/tls.js';
import { pack } from '../translate/pb.js';

/** The certificate provider instance the agent's gRPC bootstrap defines (Istio's name). */
export const CERT_PROVIDER_INSTANCE = 'default';

function commonTlsContext(sans: readonly string[]) {
  return create(CommonTlsContextSchema, {
    tlsCertificateProviderInstance: create(CertificateProviderPluginInstanceSchema, {
      instanceName: CERT_PROVIDER_INSTANCE,
      certificateName: SDS_DEFAULT,
    }),
    validationContextType: {
      case: 'validationContext',
      value: create(CertificateValidationContextSchema, {
        caCertificateProviderInstance: create(CertificateProviderPluginInstanceSchema, {
          instanceName: CERT_PROVIDER_INSTANCE,
          certificateName: SDS_ROOT,
        }),
        // gRPC reads the exact-match list (not the typed SAN matchers); a SPIFFE ID is a URI SAN.
        matchSubjectAltNames: sans.map((san) =>
          create(StringMatcherSchema, { matchPattern: { case: 'exact', value: san } }),
        ),
      }),
    },
  });
}

/** A client's ISTIO_MUTUAL: the workload certificate, the mesh roots, the destination's SPIFFE IDs. */
export function grpcUpstreamMtls(sans: readonly string[]): TransportSocket {
  const ctx = create(UpstreamTlsContextSchema, { commonTlsContext: commonTlsContext(sans) });
  return create(TransportSocketSchema, {
    name: TLS_TRANSPORT_SOCKET,
    configType: { case: 'typedConfig', value: pack(UpstreamTlsContextSchema, ctx) },
  });
}

/** A server's STRICT mTLS: its workload certificate, and a client certificate signed by the mesh roots. */
export function grpcDownstreamMtls(): TransportSocket {
  const ctx = create(DownstreamTlsContextSchema, {
    commonTlsContext: commonTlsContext([]),
    requireClientCertificate: true,
  });
  return create(TransportSocketSchema, {
    name: TLS_TRANSPORT_SOCKET,
    configType: { case: 'typedConfig', value: pack(DownstreamTlsContextSchema, ctx) },
  });
}
