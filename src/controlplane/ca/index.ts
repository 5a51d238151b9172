// The CA's public surface for the control plane, the supervisor and the CLI.
export {
  CertificateAuthority,
  type CertificateAuthorityOptions,
  DEFAULT_CERT_TTL_MS,
  DEFAULT_MAX_CERT_TTL_MS,
  type IssuedCertificate,
} from './authority.js';
export { CA_SERVICE_NAME, CREATE_CERTIFICATE_PATH } from './ca-messages.js';
export { caServiceDefinition, registerCaService, TRUST_BUNDLE_HEADER } from './ca-service.js';
export { CsrError, IdentityMismatchError } from './leaf.js';
export type { CaFiles } from './root.js';
export { type RootExpiryWatchOptions, rootNeedsRotation, watchRootExpiry } from './root-watch.js';
export {
  type CaFlags,
  type CaSetup,
  type CaSetupOptions,
  caFilesFromFlags,
  loadOrCreateTokenKey,
  setUpCertificateAuthority,
  writeTokenFile,
} from './setup.js';
export {
  DEFAULT_TRUST_DOMAIN,
  parseSpiffeUri,
  spiffeIdFromSubjectAltName,
  spiffeUri,
  type WorkloadIdentity,
} from './spiffe.js';
export {
  AuthenticationError,
  type Authenticator,
  BootstrapTokenIssuer,
  type CallerIdentity,
  JwtAuthenticator,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
} from './token.js';
export { type VerifiedPeer, verifyWorkloadChain } from './verify.js';
export { KEY_TYPES, type KeyType, parseKeyType } from './x509.js';
