// Decodes Envoy's TLS transport sockets (Downstream/UpstreamTlsContext, CommonTlsContext) and SDS Secrets
// into the proxy's TLS settings: inline or file PEM is read here, SDS secrets stay names.
import { childPath, type Result } from '../../common/result.js';
import type { TransportSocket } from '../../generated/envoy/config/core/v3/base_pb.js';
import { TransportSocketSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import { RawBufferSchema } from '../../generated/envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer_pb.js';
import {
  type CertificateValidationContext,
  CertificateValidationContextSchema,
  SubjectAltNameMatcher_SanTypeSchema,
  SubjectAltNameMatcherSchema,
  type TlsCertificate,
  TlsCertificateSchema,
  TlsParameters_TlsProtocolSchema,
  TlsParametersSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import {
  type SdsSecretConfig,
  SdsSecretConfigSchema,
  type Secret,
  SecretSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import {
  type CommonTlsContext,
  CommonTlsContext_CombinedCertificateValidationContextSchema,
  CommonTlsContextSchema,
  type DownstreamTlsContext,
  DownstreamTlsContextSchema,
  type UpstreamTlsContext,
  UpstreamTlsContextSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import type { StaticSecret } from '../config/bootstrap.js';
import type {
  CertificateSource,
  CommonTlsContext as DomainCommonTlsContext,
  DownstreamTlsContext as DomainDownstreamTlsContext,
  UpstreamTlsContext as DomainUpstreamTlsContext,
  SanMatch,
  ValidationSource,
} from '../config/tls.js';
import { decodeDataSource, decodeStringMatcher } from './decode-common.js';
import { DecodeContext, type DecodeOptions, NOT_SUPPORTED, supportedEnum } from './decode-context.js';

const TLS_SOCKET = 'envoy.transport_sockets.tls';
const RAW_BUFFER_SOCKET = 'envoy.transport_sockets.raw_buffer';

function decodeSanMatcher(
  ctx: DecodeContext,
  sanTypes: SanMatch['sanType'][],
  m: Parameters<typeof decodeStringMatcher>[1],
  path: string,
): SanMatch[] {
  const s = decodeStringMatcher(ctx, m, path);
  if (s.kind !== 'regex' && s.ignoreCase)
    ctx.error(childPath(path, 'ignore_case'), `${NOT_SUPPORTED} for SAN matching`);
  const value = s.kind === 'regex' ? s.pattern : s.value;
  return sanTypes.map((sanType) => ({ sanType, kind: s.kind, value }));
}

function decodeSanMatchers(ctx: DecodeContext, v: CertificateValidationContext, path: string): SanMatch[] {
  const out: SanMatch[] = [];
  v.matchTypedSubjectAltNames.forEach((m, i) => {
    const p = childPath(childPath(path, 'match_typed_subject_alt_names'), i);
    ctx.onlyFields(SubjectAltNameMatcherSchema, m, p, ['san_type', 'matcher']);
    const sanType = supportedEnum(
      ctx,
      SubjectAltNameMatcher_SanTypeSchema,
      m.sanType,
      childPath(p, 'san_type'),
      ['URI', 'DNS', 'EMAIL', 'IP_ADDRESS'],
      'URI',
    );
    if (m.matcher === undefined) ctx.error(childPath(p, 'matcher'), 'required');
    else out.push(...decodeSanMatcher(ctx, [sanType], m.matcher, childPath(p, 'matcher')));
  });
  // The deprecated untyped form matches any SAN type.
  v.matchSubjectAltNames.forEach((m, i) => {
    out.push(
      ...decodeSanMatcher(
        ctx,
        ['URI', 'DNS', 'EMAIL', 'IP_ADDRESS'],
        m,
        childPath(childPath(path, 'match_subject_alt_names'), i),
      ),
    );
  });
  return out;
}

function checkValidationContext(ctx: DecodeContext, v: CertificateValidationContext, path: string): void {
  ctx.onlyFields(CertificateValidationContextSchema, v, path, [
    'trusted_ca',
    'match_typed_subject_alt_names',
    'match_subject_alt_names',
  ]);
}

function decodeSdsConfig(ctx: DecodeContext, s: SdsSecretConfig, path: string): string {
  // sds_config says where the secret comes from (ADS or an SDS cluster); the secret store resolves names.
  ctx.onlyFields(SdsSecretConfigSchema, s, path, ['name', 'sds_config']);
  if (s.name === '') ctx.error(childPath(path, 'name'), 'required');
  return s.name;
}

function decodeValidation(
  ctx: DecodeContext,
  c: CommonTlsContext,
  path: string,
): ValidationSource | undefined {
  const spec = c.validationContextType;
  switch (spec.case) {
    case undefined:
      return undefined;
    case 'validationContext': {
      const p = childPath(path, 'validation_context');
      checkValidationContext(ctx, spec.value, p);
      const trustedCa = decodeDataSource(ctx, spec.value.trustedCa, childPath(p, 'trusted_ca'));
      if (spec.value.trustedCa === undefined) ctx.error(childPath(p, 'trusted_ca'), 'required');
      return {
        kind: 'inline',
        trustedCa: trustedCa ?? '',
        matchSubjectAltNames: decodeSanMatchers(ctx, spec.value, p),
      };
    }
    case 'validationContextSdsSecretConfig': {
      const name = decodeSdsConfig(ctx, spec.value, childPath(path, 'validation_context_sds_secret_config'));
      return { kind: 'sds', name, matchSubjectAltNames: [] };
    }
    case 'combinedValidationContext': {
      const p = childPath(path, 'combined_validation_context');
      ctx.onlyFields(CommonTlsContext_CombinedCertificateValidationContextSchema, spec.value, p, [
        'default_validation_context',
        'validation_context_sds_secret_config',
      ]);
      const def = spec.value.defaultValidationContext;
      const dp = childPath(p, 'default_validation_context');
      if (def !== undefined) {
        checkValidationContext(ctx, def, dp);
        if (def.trustedCa !== undefined)
          ctx.error(childPath(dp, 'trusted_ca'), 'trusted_ca comes from the SDS secret here');
      }
      const sds = spec.value.validationContextSdsSecretConfig;
      if (sds === undefined) ctx.error(childPath(p, 'validation_context_sds_secret_config'), 'required');
      const name = sds ? decodeSdsConfig(ctx, sds, childPath(p, 'validation_context_sds_secret_config')) : '';
      return { kind: 'sds', name, matchSubjectAltNames: def ? decodeSanMatchers(ctx, def, dp) : [] };
    }
    default:
      ctx.error(path, `${spec.case} ${NOT_SUPPORTED}`);
      return undefined;
  }
}

function decodeTlsCertificate(ctx: DecodeContext, t: TlsCertificate, path: string): CertificateSource {
  ctx.onlyFields(TlsCertificateSchema, t, path, ['certificate_chain', 'private_key']);
  if (t.certificateChain === undefined) ctx.error(childPath(path, 'certificate_chain'), 'required');
  if (t.privateKey === undefined) ctx.error(childPath(path, 'private_key'), 'required');
  return {
    kind: 'inline',
    certificateChain: decodeDataSource(ctx, t.certificateChain, childPath(path, 'certificate_chain')) ?? '',
    privateKey: decodeDataSource(ctx, t.privateKey, childPath(path, 'private_key')) ?? '',
  };
}

type TlsVersion = 'TLSv1_2' | 'TLSv1_3' | 'TLS_AUTO';

function decodeCommon(
  ctx: DecodeContext,
  c: CommonTlsContext | undefined,
  path: string,
): DomainCommonTlsContext {
  const out: DomainCommonTlsContext = { certificates: [], alpnProtocols: [] };
  if (c === undefined) return out;
  ctx.onlyFields(CommonTlsContextSchema, c, path, [
    'tls_params',
    'tls_certificates',
    'tls_certificate_sds_secret_configs',
    'validation_context',
    'validation_context_sds_secret_config',
    'combined_validation_context',
    'alpn_protocols',
  ]);
  if (c.tlsParams !== undefined) {
    const p = childPath(path, 'tls_params');
    ctx.onlyFields(TlsParametersSchema, c.tlsParams, p, [
      'tls_minimum_protocol_version',
      'tls_maximum_protocol_version',
    ]);
    const versions: readonly TlsVersion[] = ['TLS_AUTO', 'TLSv1_2', 'TLSv1_3'];
    const min = supportedEnum(
      ctx,
      TlsParameters_TlsProtocolSchema,
      c.tlsParams.tlsMinimumProtocolVersion,
      childPath(p, 'tls_minimum_protocol_version'),
      versions,
      'TLS_AUTO',
    );
    const max = supportedEnum(
      ctx,
      TlsParameters_TlsProtocolSchema,
      c.tlsParams.tlsMaximumProtocolVersion,
      childPath(p, 'tls_maximum_protocol_version'),
      versions,
      'TLS_AUTO',
    );
    if (min !== 'TLS_AUTO') out.minVersion = min;
    if (max !== 'TLS_AUTO') out.maxVersion = max;
  }
  c.tlsCertificates.forEach((t, i) => {
    out.certificates.push(decodeTlsCertificate(ctx, t, childPath(childPath(path, 'tls_certificates'), i)));
  });
  c.tlsCertificateSdsSecretConfigs.forEach((s, i) => {
    const name = decodeSdsConfig(ctx, s, childPath(childPath(path, 'tls_certificate_sds_secret_configs'), i));
    out.certificates.push({ kind: 'sds', name });
  });
  const validation = decodeValidation(ctx, c, path);
  if (validation !== undefined) out.validation = validation;
  out.alpnProtocols = [...c.alpnProtocols];
  return out;
}

/**
 * A transport socket of a filter chain or a cluster: TLS (decoded with `kind`) or raw_buffer (plain TCP,
 * returned as undefined).
 */
function unpackTransportSocket(
  ctx: DecodeContext,
  t: TransportSocket,
  path: string,
  kind: 'downstream' | 'upstream',
) {
  ctx.onlyFields(TransportSocketSchema, t, path, ['name', 'typed_config']);
  const tp = childPath(path, 'typed_config');
  if (t.configType.case !== 'typedConfig') {
    if (t.name === RAW_BUFFER_SOCKET) return undefined;
    ctx.error(tp, t.name === TLS_SOCKET ? 'required' : `transport socket "${t.name}" ${NOT_SUPPORTED}`);
    return undefined;
  }
  const schema = kind === 'downstream' ? DownstreamTlsContextSchema : UpstreamTlsContextSchema;
  return ctx.unpack(t.configType.value, tp, [schema, RawBufferSchema]);
}

export function decodeDownstreamTransportSocket(
  ctx: DecodeContext,
  t: TransportSocket,
  path: string,
): DomainDownstreamTlsContext | undefined {
  const msg = unpackTransportSocket(ctx, t, path, 'downstream');
  if (msg === undefined || msg.$typeName !== DownstreamTlsContextSchema.typeName) return undefined;
  const d = msg as DownstreamTlsContext;
  const p = childPath(path, 'typed_config');
  ctx.onlyFields(DownstreamTlsContextSchema, d, p, ['common_tls_context', 'require_client_certificate']);
  const common = decodeCommon(ctx, d.commonTlsContext, childPath(p, 'common_tls_context'));
  if (common.certificates.length === 0)
    ctx.error(childPath(p, 'common_tls_context'), 'a server certificate is required');
  return { common, requireClientCertificate: d.requireClientCertificate ?? false };
}

export function decodeUpstreamTransportSocket(
  ctx: DecodeContext,
  t: TransportSocket,
  path: string,
): DomainUpstreamTlsContext | undefined {
  const msg = unpackTransportSocket(ctx, t, path, 'upstream');
  if (msg === undefined || msg.$typeName !== UpstreamTlsContextSchema.typeName) return undefined;
  const u = msg as UpstreamTlsContext;
  const p = childPath(path, 'typed_config');
  ctx.onlyFields(UpstreamTlsContextSchema, u, p, ['common_tls_context', 'sni']);
  const out: DomainUpstreamTlsContext = {
    common: decodeCommon(ctx, u.commonTlsContext, childPath(p, 'common_tls_context')),
  };
  if (u.sni !== '') out.sni = u.sni;
  return out;
}

/** A static (bootstrap) or SDS Secret: a certificate with its key, or a validation context's CA. */
export function decodeSecretInto(ctx: DecodeContext, s: Secret, path: string): StaticSecret {
  ctx.onlyFields(SecretSchema, s, path, ['name', 'tls_certificate', 'validation_context']);
  if (s.name === '') ctx.error(childPath(path, 'name'), 'required');
  const out: StaticSecret = { name: s.name };
  if (s.type.case === 'tlsCertificate') {
    const c = decodeTlsCertificate(ctx, s.type.value, childPath(path, 'tls_certificate'));
    if (c.kind === 'inline') {
      out.certificateChain = c.certificateChain;
      out.privateKey = c.privateKey;
    }
  } else if (s.type.case === 'validationContext') {
    const p = childPath(path, 'validation_context');
    ctx.onlyFields(CertificateValidationContextSchema, s.type.value, p, ['trusted_ca']);
    const ca = decodeDataSource(ctx, s.type.value.trustedCa, childPath(p, 'trusted_ca'));
    if (ca === undefined) ctx.error(childPath(p, 'trusted_ca'), 'required');
    else out.trustedCa = ca;
  } else if (s.type.case === undefined) {
    ctx.error(path, 'one of tls_certificate or validation_context is required');
  }
  return out;
}

/** Decodes one SDS resource. */
export function decodeSecret(s: Secret, options?: DecodeOptions): Result<StaticSecret> {
  const ctx = new DecodeContext(options);
  const value = decodeSecretInto(ctx, s, '');
  return ctx.result(value);
}
