// DestinationRule tls → the cluster's upstream TLS transport socket: SIMPLE and MUTUAL from files (or a
// credentialName served by SDS), ISTIO_MUTUAL with the mesh certificate and roots from SDS (`default`, `ROOTCA`),
// the SPIFFE IDs of the destination's service accounts as the expected peer, and Istio's SNI and ALPN.
import { create } from '@bufbuild/protobuf';
import type { ClientTLSSettings } from '../../../api/index.js';
import {
  DataSourceSchema,
  type TransportSocket,
  TransportSocketSchema,
} from '../../../generated/envoy/config/core/v3/base_pb.js';
import { RawBufferSchema } from '../../../generated/envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer_pb.js';
import {
  type CertificateValidationContext,
  CertificateValidationContextSchema,
  SubjectAltNameMatcher_SanType,
  SubjectAltNameMatcherSchema,
  TlsParameters_TlsProtocol,
  TlsParametersSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { SdsSecretConfigSchema } from '../../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  CommonTlsContext_CombinedCertificateValidationContextSchema,
  CommonTlsContextSchema,
  UpstreamTlsContextSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { StringMatcherSchema } from '../../../generated/envoy/type/matcher/v3/string_pb.js';
import { adsConfigSource, pack } from '../pb.js';
import { fileCertResourceName, fileRootResourceName } from '../sds/file-names.js';

export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
export const RAW_BUFFER_TRANSPORT_SOCKET = 'envoy.transport_sockets.raw_buffer';
/** Istio's SDS resource names for the workload certificate and the mesh roots. */
export const SDS_DEFAULT = 'default';
export const SDS_ROOT = 'ROOTCA';

/**
 * ALPN a sidecar offers on Istio mTLS: `istio-peer-exchange` (TCP metadata exchange) and `istio` (in-mesh
 * traffic, what inbound chains told mesh from legacy TLS apart); HTTP/2 clusters add `h2`.
 */
export const ALPN_IN_MESH = ['istio-peer-exchange', 'istio'] as const;
export const ALPN_IN_MESH_H2 = ['istio-peer-exchange', 'istio', 'h2'] as const;

/** What a cluster's TLS depends on besides the DestinationRule's setting. */
export interface UpstreamTlsInputs {
  /** The service host: the SNI of SIMPLE and MUTUAL when the setting names none. */
  host: string;
  /** Istio's SNI for ISTIO_MUTUAL: `outbound_.<port>_.<subset>_.<host>`. */
  istioSni: string;
  /** SPIFFE IDs ISTIO_MUTUAL expects when the setting lists no subjectAltNames. */
  identities: readonly string[];
  /** The cluster speaks HTTP/2 upstream (ALPN offers h2). */
  http2: boolean;
}

/** Istio's SNI of an in-mesh cluster: `outbound_.9080_.v1_.reviews.default.svc.cluster.local`. */
export function istioSni(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

const file = (filename: string) =>
  create(DataSourceSchema, { specifier: { case: 'filename', value: filename } });
const sds = (name: string) => create(SdsSecretConfigSchema, { name, sdsConfig: adsConfigSource() });
const exact = (value: string) => create(StringMatcherSchema, { matchPattern: { case: 'exact', value } });

/** TLS 1.2 to 1.3, as Istio pins upstream mesh and user TLS. */
function tlsParams() {
  return create(TlsParametersSchema, {
    tlsMinimumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_2,
    tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3,
  });
}

function packUpstream(ctx: ReturnType<typeof create<typeof UpstreamTlsContextSchema>>): TransportSocket {
  return create(TransportSocketSchema, {
    name: TLS_TRANSPORT_SOCKET,
    configType: { case: 'typedConfig', value: pack(UpstreamTlsContextSchema, ctx) },
  });
}

/** Plain text (Envoy's raw_buffer), the transport of endpoints without a sidecar under auto mTLS. */
export function rawBufferTransportSocket(): TransportSocket {
  return create(TransportSocketSchema, {
    name: RAW_BUFFER_TRANSPORT_SOCKET,
    configType: { case: 'typedConfig', value: pack(RawBufferSchema, create(RawBufferSchema, {})) },
  });
}

/**
 * Istio mTLS: certificate `default`, roots `ROOTCA`, and the peer's SPIFFE ID checked against URI SANs (an
 * identity is a URI SAN; matching only that type keeps a DNS SAN spelling a SPIFFE ID from passing).
 */
export function istioMutualTls(sans: readonly string[], sni: string, http2: boolean): TransportSocket {
  const common = create(CommonTlsContextSchema, {
    tlsParams: tlsParams(),
    tlsCertificateSdsSecretConfigs: [sds(SDS_DEFAULT)],
    alpnProtocols: [...(http2 ? ALPN_IN_MESH_H2 : ALPN_IN_MESH)],
  });
  common.validationContextType = {
    case: 'combinedValidationContext',
    value: create(CommonTlsContext_CombinedCertificateValidationContextSchema, {
      defaultValidationContext: create(CertificateValidationContextSchema, {
        matchTypedSubjectAltNames: sans.map((san) =>
          create(SubjectAltNameMatcherSchema, {
            sanType: SubjectAltNameMatcher_SanType.URI,
            matcher: exact(san),
          }),
        ),
      }),
      validationContextSdsSecretConfig: sds(SDS_ROOT),
    }),
  };
  return packUpstream(create(UpstreamTlsContextSchema, { commonTlsContext: common, sni }));
}

/** The system trust store Istio points clients at when a DestinationRule names no CA (Debian's path). */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * SIMPLE / MUTUAL with the user's files or credentialName. Their subjectAltNames may name DNS names, URIs or
 * IPs, so (as Istio writes them) they go to the untyped match_subject_alt_names, which matches any SAN type.
 */
function userTls(tls: ClientTLSSettings, inputs: UpstreamTlsInputs): TransportSocket {
  const common = create(CommonTlsContextSchema, { tlsParams: tlsParams() });
  const validation: CertificateValidationContext = create(CertificateValidationContextSchema, {
    matchSubjectAltNames: (tls.subjectAltNames ?? []).map(exact),
  });
  if (tls.credentialName) {
    if (tls.mode === 'MUTUAL')
      common.tlsCertificateSdsSecretConfigs = [sds(`kubernetes://${tls.credentialName}`)];
    common.validationContextType = {
      case: 'validationContextSdsSecretConfig',
      value: sds(`kubernetes://${tls.credentialName}-cacert`),
    };
  } else {
    // Files are named as Istio's SDS file resources (`file-root:`, `file-cert:`), which the proxy reads and
    // watches, so a certificate rewritten on disk is picked up. No CA given: the system's trust store, as
    // Istio does (VERIFY_CERTIFICATE_AT_CLIENT).
    if (tls.caCrl) validation.crl = file(tls.caCrl);
    if (tls.caCertificates) {
      common.validationContextType = {
        case: 'combinedValidationContext',
        value: create(CommonTlsContext_CombinedCertificateValidationContextSchema, {
          defaultValidationContext: validation,
          validationContextSdsSecretConfig: sds(fileRootResourceName(tls.caCertificates)),
        }),
      };
    } else if (!tls.insecureSkipVerify) {
      validation.trustedCa = file(SYSTEM_CA_BUNDLE);
      common.validationContextType = { case: 'validationContext', value: validation };
    }
    if (tls.mode === 'MUTUAL' && tls.clientCertificate && tls.privateKey)
      common.tlsCertificateSdsSecretConfigs = [
        sds(fileCertResourceName(tls.clientCertificate, tls.privateKey)),
      ];
  }
  if (inputs.http2) common.alpnProtocols = ['h2'];
  return packUpstream(
    create(UpstreamTlsContextSchema, { commonTlsContext: common, sni: tls.sni ?? inputs.host }),
  );
}

/** The transport socket for a DestinationRule `tls` setting, or undefined for DISABLE / no setting. */
export function upstreamTls(
  tls: ClientTLSSettings | undefined,
  inputs: UpstreamTlsInputs,
): TransportSocket | undefined {
  if (!tls?.mode || tls.mode === 'DISABLE') return undefined;
  if (tls.mode === 'ISTIO_MUTUAL') {
    // The user's SNI and SANs win (useful through gateways); else Istio's SNI and the service's identities.
    const sans = tls.subjectAltNames?.length ? tls.subjectAltNames : inputs.identities;
    return istioMutualTls(sans, tls.sni || inputs.istioSni, inputs.http2);
  }
  return userTls(tls, inputs);
}
