// A Gateway server's `tls` settings → the DownstreamTlsContext of its filter chain (SIMPLE, MUTUAL,
// OPTIONAL_MUTUAL, ISTIO_MUTUAL), and the SNI names its chain matches. Certificates come from files
// (serverCertificate/privateKey/caCertificates, tlsCertificates) or from SDS (credentialName, ISTIO_MUTUAL).
import { create } from '@bufbuild/protobuf';
import type { ServerTLSSettings } from '../../../api/index.js';
import {
  type DataSource,
  DataSourceSchema,
  type TransportSocket,
  TransportSocketSchema,
} from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  CertificateValidationContextSchema,
  TlsCertificateSchema,
  TlsParameters_TlsProtocol,
  TlsParametersSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { SdsSecretConfigSchema } from '../../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  CommonTlsContextSchema,
  DownstreamTlsContextSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { StringMatcherSchema } from '../../../generated/envoy/type/matcher/v3/string_pb.js';
import { SDS_DEFAULT, SDS_ROOT, TLS_TRANSPORT_SOCKET } from '../cluster/tls.js';
import { adsConfigSource, pack } from '../pb.js';

/** Modes in which the gateway terminates TLS itself (PASSTHROUGH/AUTO_PASSTHROUGH forward it untouched). */
export const TERMINATING_MODES = new Set(['SIMPLE', 'MUTUAL', 'OPTIONAL_MUTUAL', 'ISTIO_MUTUAL']);

/** ALPN of HTTPS servers: a client may pick HTTP/2 or HTTP/1.1, as at Istio's gateways. */
export const GATEWAY_ALPN_HTTP = ['h2', 'http/1.1'] as const;

/** Istio's SDS resource prefix for Kubernetes secrets named by credentialName. */
export const KUBERNETES_SECRET_PREFIX = 'kubernetes://';
/** Istio's suffix of the secret holding a credentialName's CA certificate (MUTUAL). */
export const CA_SECRET_SUFFIX = '-cacert';

const sds = (name: string) => create(SdsSecretConfigSchema, { name, sdsConfig: adsConfigSource() });

/**
 * A file read by the proxy when it loads the listener. Istio hands such files to its agent through SDS
 * names (`file-cert:<cert>~<key>`, `file-root:<ca>`); on one machine the proxy reads them directly.
 */
const file = (filename: string): DataSource =>
  create(DataSourceSchema, { specifier: { case: 'filename', value: filename } });

/**
 * Istio's TLS version names → Envoy's. The Trellis proxy (Node's OpenSSL at its default security level)
 * speaks TLS 1.2 and 1.3 only, so 1.0 and 1.1 minimums are raised to 1.2.
 */
function tlsVersion(v: string | undefined, fallback: TlsParameters_TlsProtocol): TlsParameters_TlsProtocol {
  if (v === 'TLSV1_3') return TlsParameters_TlsProtocol.TLSv1_3;
  if (v === 'TLSV1_0' || v === 'TLSV1_1' || v === 'TLSV1_2') return TlsParameters_TlsProtocol.TLSv1_2;
  return fallback;
}

/** The server's certificates: SDS secrets for credentialName(s), else files. */
function certificates(tls: ServerTLSSettings) {
  const names = tls.credentialNames?.length
    ? tls.credentialNames
    : tls.credentialName
      ? [tls.credentialName]
      : [];
  if (names.length > 0) return { sds: names.map((n) => sds(`${KUBERNETES_SECRET_PREFIX}${n}`)), files: [] };
  const pairs = tls.tlsCertificates?.length
    ? tls.tlsCertificates
    : [{ serverCertificate: tls.serverCertificate, privateKey: tls.privateKey }];
  const files = pairs
    .filter((p) => p.serverCertificate && p.privateKey)
    .map((p) =>
      create(TlsCertificateSchema, {
        certificateChain: file(p.serverCertificate as string),
        privateKey: file(p.privateKey as string),
      }),
    );
  return { sds: [], files };
}

/** The CA file of a MUTUAL server (top level, or the first tlsCertificates entry naming one). */
function caFile(tls: ServerTLSSettings): string | undefined {
  return tls.caCertificates || tls.tlsCertificates?.find((t) => t.caCertificates)?.caCertificates;
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
    const certs = certificates(tls);
    common.tlsCertificateSdsSecretConfigs = certs.sds;
    common.tlsCertificates = certs.files;
    if (mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
      const sans = (tls.subjectAltNames ?? []).map((s) =>
        create(StringMatcherSchema, { matchPattern: { case: 'exact', value: s } }),
      );
      const ca = caFile(tls);
      const credential = tls.credentialNames?.[0] ?? tls.credentialName;
      if (credential && !ca) {
        // Istio keeps a credential's CA in the same secret (ca.crt) or in `<name>-cacert`; both are served
        // under the `-cacert` name.
        common.validationContextType = {
          case: 'validationContextSdsSecretConfig',
          value: sds(`${KUBERNETES_SECRET_PREFIX}${credential}${CA_SECRET_SUFFIX}`),
        };
      } else if (ca) {
        common.validationContextType = {
          case: 'validationContext',
          value: create(CertificateValidationContextSchema, {
            trustedCa: file(ca),
            matchSubjectAltNames: sans,
          }),
        };
      }
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
