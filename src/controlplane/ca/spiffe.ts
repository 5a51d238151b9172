// SPIFFE workload identities as the mesh writes them: spiffe://<trust-domain>/ns/<namespace>/sa/<account>.

export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

export interface WorkloadIdentity {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

// A trust domain is a lowercase DNS-like name (SPIFFE ID spec: letters, digits, '.', '-', '_').
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
// Kubernetes namespace and service-account names: DNS-1123 labels/subdomains (lowercase, digits, '-', '.').
const K8S_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

export function isValidTrustDomain(domain: string): boolean {
  return domain.length > 0 && domain.length <= 255 && TRUST_DOMAIN.test(domain);
}

export function isValidK8sName(name: string): boolean {
  return K8S_NAME.test(name);
}

export function spiffeUri(id: WorkloadIdentity): string {
  return `spiffe://${id.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;
}

/** Parses a mesh SPIFFE ID; undefined for anything else (other path shapes, query, fragment, bad names). */
export function parseSpiffeUri(uri: string): WorkloadIdentity | undefined {
  const m = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(uri);
  if (!m) return undefined;
  const [, trustDomain, namespace, serviceAccount] = m;
  if (!isValidTrustDomain(trustDomain) || !isValidK8sName(namespace) || !isValidK8sName(serviceAccount)) {
    return undefined;
  }
  return { trustDomain, namespace, serviceAccount };
}

/** The Kubernetes service-account user name a token's `sub` carries: system:serviceaccount:<ns>:<sa>. */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

export function parseServiceAccountSubject(
  sub: string,
): { namespace: string; serviceAccount: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub);
  if (!m || !isValidK8sName(m[1]) || !isValidK8sName(m[2])) return undefined;
  return { namespace: m[1], serviceAccount: m[2] };
}

/**
 * The SPIFFE ID in a peer certificate's `subjectaltname` as Node's TLS prints it (`URI:spiffe://…, DNS:…`;
 * values with special characters come JSON-quoted). Undefined when there is none or more than one.
 */
export function spiffeIdFromSubjectAltName(subjectAltName: string | undefined): string | undefined {
  if (!subjectAltName) return undefined;
  const ids: string[] = [];
  for (const m of subjectAltName.matchAll(/(?:^|,\s*)URI:("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    let value = m[1];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    if (value.startsWith('spiffe://')) ids.push(value);
  }
  return ids.length === 1 ? ids[0] : undefined;
}
