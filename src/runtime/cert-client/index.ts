// The workload side of certificates: key and CSR, the CA client, the rotator, and SDS secrets.
export {
  CaCallError,
  CaClient,
  type CaClientOptions,
  caRequester,
  createWorkloadCertificateAgent,
  fileTokenSource,
  type SignedChain,
  type TokenSource,
  type WorkloadCertificateAgentOptions,
} from './ca-client.js';
export { type CsrOptions, createKeyAndCsr, type KeyAndCsr } from './csr.js';
export {
  type CertificateRequester,
  CertificateRotator,
  type CertificateRotatorOptions,
  describeSignedChain,
  type WorkloadCertificate,
} from './rotator.js';
export {
  type CertificateSummary,
  describeSecret,
  ROOT_SECRET_NAME,
  rootCaSecret,
  type SecretRow,
  summarizeCertificates,
  WORKLOAD_SECRET_NAME,
  workloadCertificateSecret,
  workloadSecrets,
} from './sds-secrets.js';
