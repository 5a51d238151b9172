// Istio's SDS resource names for certificates in files: `file-cert:<cert>~<key>` for a certificate and its
// key, `file-root:<ca>` for CA certificates. The control plane never reads these files; the proxy's secret
// store does, and watches them (src/proxy/secrets/file-secrets.ts parses the same names).

export const FILE_CERT_PREFIX = 'file-cert:';
export const FILE_ROOT_PREFIX = 'file-root:';

export function fileCertResourceName(certificate: string, privateKey: string): string {
  return `${FILE_CERT_PREFIX}${certificate}~${privateKey}`;
}

export function fileRootResourceName(caCertificates: string): string {
  return `${FILE_ROOT_PREFIX}${caCertificates}`;
}
