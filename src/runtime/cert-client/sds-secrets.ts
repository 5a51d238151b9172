// A workload certificate as Envoy SDS Secret resources, under Istio's names: `default` (certificate chain
// and key) and `ROOTCA` (the trust bundle); and the summary `trellis proxy-config secret` prints.
import { create } from '@bufbuild/protobuf';
import { parseCertificates, x509 } from '../../controlplane/ca/x509.js';
import {
  type Secret,
  SecretSchema,
} from '../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { WorkloadCertificate } from './rotator.js';

export const WORKLOAD_SECRET_NAME = 'default';
export const ROOT_SECRET_NAME = 'ROOTCA';

function inline(value: string) {
  return { specifier: { case: 'inlineString' as const, value } };
}

export function workloadCertificateSecret(cert: WorkloadCertificate, name = WORKLOAD_SECRET_NAME): Secret {
  return create(SecretSchema, {
    name,
    type: {
      case: 'tlsCertificate',
      value: { certificateChain: inline(cert.certChainPem), privateKey: inline(cert.privateKeyPem) },
    },
  });
}

export function rootCaSecret(rootsPem: string, name = ROOT_SECRET_NAME): Secret {
  return create(SecretSchema, {
    name,
    type: { case: 'validationContext', value: { trustedCa: inline(rootsPem) } },
  });
}

/** Both secrets a sidecar needs, to hand to its SDS secret store on every rotation. */
export function workloadSecrets(cert: WorkloadCertificate): Secret[] {
  return [workloadCertificateSecret(cert), rootCaSecret(cert.rootsPem)];
}

/** What `proxy-config secret` shows per certificate. */
export interface CertificateSummary {
  serial: string;
  notBefore: string;
  notAfter: string;
  /** The URI SAN (SPIFFE ID), '' for a root. */
  identity: string;
  subject: string;
  issuer: string;
  isCa: boolean;
}

export function summarizeCertificates(pem: string): CertificateSummary[] {
  return parseCertificates(pem).map((cert) => {
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    return {
      serial: cert.serialNumber,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      identity: san?.names.items.find((n) => n.type === 'url')?.value ?? '',
      subject: cert.subject,
      issuer: cert.issuer,
      isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    };
  });
}

/** One row of `trellis proxy-config secret`, in istioctl's columns plus the identity. */
export interface SecretRow {
  resourceName: string;
  type: 'Cert Chain' | 'CA';
  /** True when `nowMs` lies inside the certificate's validity window. */
  validCert: boolean;
  serial: string;
  notAfter: string;
  notBefore: string;
  identity: string;
}

function inlineText(
  source: { specifier: { case: string | undefined; value?: unknown } } | undefined,
): string {
  const spec = source?.specifier;
  if (spec?.case === 'inlineString' && typeof spec.value === 'string') return spec.value;
  if (spec?.case === 'inlineBytes' && spec.value instanceof Uint8Array)
    return Buffer.from(spec.value).toString('utf8');
  return '';
}

/** Rows for a Secret resource: the leaf of a certificate chain, or every root of a validation context. */
export function describeSecret(secret: Secret, nowMs: number): SecretRow[] {
  let pem = '';
  let type: SecretRow['type'];
  if (secret.type.case === 'tlsCertificate') {
    pem = inlineText(secret.type.value.certificateChain);
    type = 'Cert Chain';
  } else if (secret.type.case === 'validationContext') {
    pem = inlineText(secret.type.value.trustedCa);
    type = 'CA';
  } else {
    return [];
  }
  const certs = summarizeCertificates(pem);
  const shown = type === 'Cert Chain' ? certs.slice(0, 1) : certs;
  return shown.map((c) => ({
    resourceName: secret.name,
    type,
    validCert: Date.parse(c.notBefore) <= nowMs && nowMs <= Date.parse(c.notAfter),
    serial: c.serial,
    notAfter: c.notAfter,
    notBefore: c.notBefore,
    identity: c.identity,
  }));
}
