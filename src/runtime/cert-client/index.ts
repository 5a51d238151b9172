// The workload side of certificates: key and CSR, the CA client and the rotator.
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
