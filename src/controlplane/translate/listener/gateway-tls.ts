// A Gateway server's `tls` settings → the DownstreamTlsContext of its filter chain (SIMPLE, MUTUAL,
// OPTIONAL_MUTUAL, ISTIO_MUTUAL), and the SNI names its chain matches. Certificates always come over SDS:
// Kubernetes secrets (credentialName), Istio's file names (serverCertificate/privateKey/caCertificates) that
// the proxy reads and watches, or the workload certificate (ISTIO_MUTUAL).
import { create } from '@bufbuild/protobuf';
import type { ServerTLSSettings } from '../../../api/index.js';
import {
  type TransportSocket,
  TransportSocketSchema,
} from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  CertificateValidationContextSchema,
  TlsParameters_TlsProtocol,
  TlsParametersSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { SdsSecretConfigSchema } from '../../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  type CommonTlsContext,
  CommonTlsContext_CombinedCertificateValidationContextSchema,
  CommonTlsContextSchema,
  DownstreamTlsContextSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { StringMatcherSchema } from '../../../generated/envoy/type/matcher/v3/string_pb.js';
import { SDS_DEFAULT, SDS_ROOT, TLS_TRANSPORT_SOCKET } from '../cluster/tls.js';
import { adsConfigSource, pack } from '../pb.js';
import { caResourceName, credentialResourceName } from '../sds/credential-names.js';
import { fileCertResourceName, fileRootResourceName } from '../sds/file-names.js';

/** Modes in which the gateway terminates TLS itself (PASSTHROUGH/AUTO_PASSTHROUGH forward it untouched). */
export const TERMINATING_MODES = new Set(['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL', 'ISTIO_MUTUAL']);

/** ALPN of HTTPS servers: a client may pick HTTP/2 or HTTP/1.1, as at Istio's gateways. */
export const GATEWAY_ALPN_HTTP = ['h2', 'http/1.1'] as const;

const sds = (name: string) => create(SdsSecretConfigSchema, { name, sdsConfig: adsConfigSource() });

/**
 * Istio's TLS version names → Envoy's. The Trellis proxy (Node's OpenSSL at its default security level)
 * speaks TLS 1.2 and 1.3 only, so 1.0 and 1.1 minimums are raised to 1.2.
 */
function tlsVersion(v: string | undefined, fallback: TlsParameters_TlsProtocol): TlsParameters_TlsProtocol {
  if (v === 'TLSV1_3') return TlsParameters_TlsProtocol.TLSv1_3;
  if (v === 'TLSV1_0' || v === 'TLSV1_1' || v === 'TLSV1_2') return TlsParameters_TlsProtocol.TLSv1_2;
  return fallback;
}

/** The credentialName(s) of a server (credentialNames wins, as in Istio). */
export function serverCredentialNames(tls: ServerTLSSettings): string[] {
  if (tls.credentialNames?.length) return [...tls.credentialNames];
  return tls.credentialName ? [tls.credentialName] : [];
}

/**
 * The server's certificates as SDS secrets: Kubernetes secrets for credentialName(s), else Istio's file
 * resource names (`file-cert:<cert>~<key>`), which the proxy's secret store reads and watches.
 */
function certificates(tls: ServerTLSSettings) {
  const names = serverCredentialNames(tls);
  if (names.length > 0) return names.map((n) => sds(credentialResourceName(n)));
  const pairs = tls.tlsCertificates?.length
    ? tls.tlsCertificates
    : [{ serverCertificate: tls.serverCertificate, privateKey: tls.privateKey }];
  return pairs
    .filter((p) => p.serverCertificate && p.privateKey)
    .map((p) => sds(fileCertResourceName(p.serverCertificate as string, p.privateKey as string)));
}

/** The CA file of a MUTUAL server (top level, or the first tlsCertificates entry naming one). */
export function caFile(tls: ServerTLSSettings): string | undefined {
  return tls.caCertificates || tls.tlsCertificates?.find((t) => t.caCertificates)?.caCertificates;
}

/** A validation context from an SDS secret, with the SANs a client certificate must carry. */
function sdsValidation(name: string, sans: string[]): CommonTlsContext['validationContextType'] {
  if (sans.length === 0) return { case: 'validationContextSdsSecretConfig', value: sds(name) };
  return {
    case: 'combinedValidationContext',
    value: create(CommonTlsContext_CombinedCertificateValidationContextSchema, {
      defaultValidationContext: create(CertificateValidationContextSchema, {
        matchSubjectAltNames: sans.map((s) =>
          create(StringMatcherSchema, { matchPattern: { case: 'exact', value: s } }),
        ),
      }),
      validationContextSdsSecretConfig: sds(name),
    }),
  };
}

/**
 * The DownstreamTlsContext of a terminating server, or undefined for modes that do not terminate.
 * `http`: the chain serves HTTP (ALPN h2, http/1.1); TLS-terminated TCP offers none.
 */
export function gatewayTransportSocket(tls: ServerTLSSettings, http: boolean): TransportSocket | undefined {
  const mode = tls.mode ?? 'SIMPLE';
  if (!TERMINATING_MODES.has(mode)) return undefined;
  const common = create(CommonTlsContextSchema, {
    tlsParams: create(TlsParametersSchema, {
      tlsMinimumProtocolVersion: tlsVersion(tls.minProtocolVersion, TlsParameters_TlsProtocol.TLSv1_2),
      tlsMaximumProtocolVersion: tlsVersion(tls.maxProtocolVersion, TlsParameters_TlsProtocol.TLSv1_3),
    }),
    alpnProtocols: http ? [...GATEWAY_ALPN_HTTP] : [],
  });
  if (mode === 'ISTIO_MUTUAL') {
    // The gateway's own workload certificate and the mesh roots, as between sidecars.
    common.tlsCertificateSdsSecretConfigs = [sds(SDS_DEFAULT)];
    common.validationContextType = { case: 'validationContextSdsSecretConfig', value: sds(SDS_ROOT) };
  } else {
    common.tlsCertificateSdsSecretConfigs = certificates(tls);
    if (mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
      const sans = tls.subjectAltNames ?? [];
      const ca = caFile(tls);
      const credential = serverCredentialNames(tls)[0];
      // Istio keeps a credential's CA in the same secret (ca.crt/cacert) or in `<name>-cacert`; both are
      // served under the `-cacert` name. CA files become `file-root:<path>`.
      if (credential && !ca) common.validationContextType = sdsValidation(caResourceName(credential), sans);
      else if (ca) common.validationContextType = sdsValidation(fileRootResourceName(ca), sans);
    }
  }
  const ctx = create(DownstreamTlsContextSchema, {
    commonTlsContext: common,
    requireClientCertificate: mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL',
  });
  return create(TransportSocketSchema, {
    name: TLS_TRANSPORT_SOCKET,
    configType: { case: 'typedConfig', value: pack(DownstreamTlsContextSchema, ctx) },
  });
}

/**
 * The SNI names a server's chain matches: its hosts without namespace prefixes; none (any SNI, and
 * clients sending none) when a host is `*`, as in Istio.
 */
export function serverSniHosts(hosts: readonly string[]): string[] {
  const bare = hosts.map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h).toLowerCase());
  if (bare.includes('*')) return [];
  return [...new Set(bare)].sort();
}
