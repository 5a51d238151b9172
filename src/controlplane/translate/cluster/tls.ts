// DestinationRule tls → the cluster's upstream TLS transport socket: SIMPLE and MUTUAL from files (or a
// credentialName served by SDS), ISTIO_MUTUAL with the mesh certificate and roots from SDS (`default`, `ROOTCA`).
import { create } from '@bufbuild/protobuf';
import type { ClientTLSSettings } from '../../../api/index.js';
import {
  DataSourceSchema,
  type TransportSocket,
  TransportSocketSchema,
} from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  CertificateValidationContextSchema,
  SubjectAltNameMatcher_SanType,
  SubjectAltNameMatcherSchema,
  TlsCertificateSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { SdsSecretConfigSchema } from '../../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  CommonTlsContextSchema,
  UpstreamTlsContextSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { StringMatcherSchema } from '../../../generated/envoy/type/matcher/v3/string_pb.js';
import { adsConfigSource, pack } from '../pb.js';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
/** Istio's SDS resource names for the workload certificate and the mesh roots. */
export const SDS_DEFAULT = 'default';
export const SDS_ROOT = 'ROOTCA';

const file = (filename: string) =>
  create(DataSourceSchema, { specifier: { case: 'filename', value: filename } });
const sds = (name: string) => create(SdsSecretConfigSchema, { name, sdsConfig: adsConfigSource() });

/** The transport socket for `tls`, or undefined for DISABLE / no setting. `sniDefault` is the cluster's host. */
export function upstreamTls(
  tls: ClientTLSSettings | undefined,
  sniDefault: string,
): TransportSocket | undefined {
  if (!tls?.mode || tls.mode === 'DISABLE') return undefined;
  const common = create(CommonTlsContextSchema, {});
  if (tls.mode === 'ISTIO_MUTUAL') {
    common.tlsCertificateSdsSecretConfigs = [sds(SDS_DEFAULT)];
    common.validationContextType = { case: 'validationContextSdsSecretConfig', value: sds(SDS_ROOT) };
    common.alpnProtocols = ['istio-peer-exchange', 'istio'];
  } else {
    const validation = create(CertificateValidationContextSchema, {
      matchTypedSubjectAltNames: (tls.subjectAltNames ?? []).map((san) =>
        create(SubjectAltNameMatcherSchema, {
          sanType: SubjectAltNameMatcher_SanType.DNS,
          matcher: create(StringMatcherSchema, { matchPattern: { case: 'exact', value: san } }),
        }),
      ),
    });
    if (tls.credentialName) {
      if (tls.mode === 'MUTUAL')
        common.tlsCertificateSdsSecretConfigs = [sds(`kubernetes://${tls.credentialName}`)];
      common.validationContextType = {
        case: 'validationContextSdsSecretConfig',
        value: sds(`kubernetes://${tls.credentialName}-cacert`),
      };
    } else {
      if (tls.caCertificates) validation.trustedCa = file(tls.caCertificates);
      if (tls.caCrl) validation.crl = file(tls.caCrl);
      if (!tls.insecureSkipVerify || validation.trustedCa) {
        common.validationContextType = { case: 'validationContext', value: validation };
      }
      if (tls.mode === 'MUTUAL' && tls.clientCertificate && tls.privateKey) {
        common.tlsCertificates = [
          create(TlsCertificateSchema, {
            certificateChain: file(tls.clientCertificate),
            privateKey: file(tls.privateKey),
          }),
        ];
      }
    }
  }
  const ctx = create(UpstreamTlsContextSchema, {
    commonTlsContext: common,
    sni: tls.sni ?? (tls.mode === 'ISTIO_MUTUAL' ? '' : sniDefault),
  });
  return create(TransportSocketSchema, {
    name: TLS_TRANSPORT_SOCKET,
    configType: { case: 'typedConfig', value: pack(UpstreamTlsContextSchema, ctx) },
  });
}
