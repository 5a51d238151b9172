// Istio's SDS resource names for Kubernetes Secrets: a credentialName `<name>` or `<namespace>/<name>`
// becomes `kubernetes://<credentialName>`; the Gateway API conversion may name `kubernetes-gateway://<ns>/<name>`
// (cross-namespace references it already checked against a ReferenceGrant); `<resource>-cacert` asks for the
// CA of a MUTUAL server. Parsing resolves the namespace: a bare name is in the proxy's own namespace.

/** Istio's SDS resource prefix for Kubernetes secrets named by credentialName. */
export const KUBERNETES_SECRET_PREFIX = 'kubernetes://';
/** The prefix the Gateway API conversion uses for certificateRefs (Istio's `kubernetes-gateway://`). */
export const KUBERNETES_GATEWAY_SECRET_PREFIX = 'kubernetes-gateway://';
/** Istio's suffix of the secret holding a credentialName's CA certificate (MUTUAL). */
export const CA_SECRET_SUFFIX = '-cacert';

/** The SDS resource name of a credentialName (already-prefixed names are kept). */
export function credentialResourceName(credentialName: string): string {
  if (credentialName.startsWith(KUBERNETES_SECRET_PREFIX)) return credentialName;
  if (credentialName.startsWith(KUBERNETES_GATEWAY_SECRET_PREFIX)) return credentialName;
  return `${KUBERNETES_SECRET_PREFIX}${credentialName}`;
}

/** The SDS resource name of the CA that goes with a credential. */
export function caResourceName(credentialName: string): string {
  return `${credentialResourceName(credentialName)}${CA_SECRET_SUFFIX}`;
}

export interface CredentialRef {
  /** Namespace of the Secret. */
  namespace: string;
  /** Name of the Secret (for a CA request: the credential's name, without `-cacert`). */
  name: string;
  /** The request is for the CA certificate (`…-cacert`). */
  ca: boolean;
  /** `kubernetes-gateway://` names may cross namespaces (the conversion checked ReferenceGrants). */
  crossNamespaceAllowed: boolean;
}

/** Parses an SDS resource name of either scheme; undefined for names that are not Kubernetes secrets. */
export function parseCredentialResource(resource: string, proxyNamespace: string): CredentialRef | undefined {
  let rest: string;
  let crossNamespaceAllowed = false;
  if (resource.startsWith(KUBERNETES_SECRET_PREFIX)) rest = resource.slice(KUBERNETES_SECRET_PREFIX.length);
  else if (resource.startsWith(KUBERNETES_GATEWAY_SECRET_PREFIX)) {
    rest = resource.slice(KUBERNETES_GATEWAY_SECRET_PREFIX.length);
    crossNamespaceAllowed = true;
  } else return undefined;
  const ca = rest.endsWith(CA_SECRET_SUFFIX);
  if (ca) rest = rest.slice(0, -CA_SECRET_SUFFIX.length);
  const slash = rest.indexOf('/');
  const namespace = slash < 0 ? proxyNamespace : rest.slice(0, slash);
  const name = slash < 0 ? rest : rest.slice(slash + 1);
  if (name === '' || namespace === '' || name.includes('/')) return undefined;
  return { namespace, name, ca, crossNamespaceAllowed };
}

/** A credentialName as `<namespace>/<name>` for messages, resolved against `namespace`. */
export function credentialId(credentialName: string, namespace: string): string {
  const ref = parseCredentialResource(credentialResourceName(credentialName), namespace);
  return ref ? `${ref.namespace}/${ref.name}` : credentialName;
}
