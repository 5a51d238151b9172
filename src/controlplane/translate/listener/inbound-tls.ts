// The sidecar's side of Istio mTLS on inbound filter chains: the DownstreamTlsContext (certificate `default`,
// client certificates required and verified against `ROOTCA`), the chain matches that tell TLS from plain
// text, and which chains a PeerAuthentication mode gets (STRICT: TLS only, PERMISSIVE: both, DISABLE: plain).
import { create } from '@bufbuild/protobuf';
import {
  type TransportSocket,
  TransportSocketSchema,
} from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  TlsParameters_TlsProtocol,
  TlsParametersSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { SdsSecretConfigSchema } from '../../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  CommonTlsContextSchema,
  DownstreamTlsContextSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { SDS_DEFAULT, SDS_ROOT, TLS_TRANSPORT_SOCKET } from '../cluster/tls.js';
import { adsConfigSource, pack } from '../pb.js';
import type { MtlsMode } from '../security/peer-authn.js';

/** Envoy's transport_protocol values set by the tls_inspector. */
export const TRANSPORT_TLS = 'tls';
export const TRANSPORT_RAW = 'raw_buffer';

/**
 * ALPN of inbound mTLS chains. HTTP: h2 and http/1.1 first, so a client offering them negotiates its HTTP
 * version; then the in-mesh values sidecars offer (`istio-peer-exchange`, `istio`), because a Node TLS server
 * refuses a handshake whose ALPN lists share nothing (BoringSSL would carry on without ALPN). TCP: Istio's
 * list, which has `istio-peer-exchange` in common with every sidecar.
 */
export const INBOUND_ALPN_HTTP = ['h2', 'http/1.1', 'istio-peer-exchange', 'istio'] as const;
export const INBOUND_ALPN_TCP = ['istio-peer-exchange', 'h2', 'http/1.1'] as const;

const sds = (name: string) => create(SdsSecretConfigSchema, { name, sdsConfig: adsConfigSource() });

/** Terminates Istio mTLS: the workload certificate, TLS 1.2–1.3, a client certificate signed by the mesh roots. */
export function inboundMtlsTransportSocket(http: boolean): TransportSocket {
  const common = create(CommonTlsContextSchema, {
    tlsParams: create(TlsParametersSchema, {
      tlsMinimumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_2,
      tlsMaximumProtocolVersion: TlsParameters_TlsProtocol.TLSv1_3,
    }),
    tlsCertificateSdsSecretConfigs: [sds(SDS_DEFAULT)],
    validationContextType: { case: 'validationContextSdsSecretConfig', value: sds(SDS_ROOT) },
    alpnProtocols: [...(http ? INBOUND_ALPN_HTTP : INBOUND_ALPN_TCP)],
  });
  const ctx = create(DownstreamTlsContextSchema, {
    commonTlsContext: common,
    requireClientCertificate: true,
  });
  return create(TransportSocketSchema, {
    name: TLS_TRANSPORT_SOCKET,
    configType: { case: 'typedConfig', value: pack(DownstreamTlsContextSchema, ctx) },
  });
}

/** Whether a mode accepts mutual TLS / plain text connections. */
export const acceptsTls = (m: MtlsMode) => m !== 'DISABLE';
export const acceptsPlaintext = (m: MtlsMode) => m !== 'STRICT';

/**
 * What sidecars offer when they originate Istio mTLS. Under PERMISSIVE only TLS offering one of these reaches
 * the mTLS chain, as in Istio: other TLS passes through untouched to the app, which may terminate it itself.
 */
export const ISTIO_MTLS_ALPN = [
  'istio-peer-exchange',
  'istio',
  'istio-http/1.0',
  'istio-http/1.1',
  'istio-h2',
];

/** One variant of a chain: what it matches and what it does with the connection. */
export interface ChainVariant {
  /** Terminates mutual TLS. */
  tls: boolean;
  /** transport_protocol match (undefined when one plain chain serves everything, as without mTLS). */
  transport?: string;
  /** application_protocols match (PERMISSIVE's mTLS chain). */
  alpn?: readonly string[];
  /** TLS that is not Istio's: proxied as bytes to the app (TCP), never terminated. */
  passthrough?: boolean;
}

/** The variants of one chain a mode needs. */
export function chainVariants(mode: MtlsMode): ChainVariant[] {
  if (mode === 'DISABLE') return [{ tls: false }];
  if (mode === 'STRICT') return [{ tls: true, transport: TRANSPORT_TLS }];
  return [
    { tls: true, transport: TRANSPORT_TLS, alpn: ISTIO_MTLS_ALPN },
    { tls: false, transport: TRANSPORT_TLS, passthrough: true },
    { tls: false, transport: TRANSPORT_RAW },
  ];
}
