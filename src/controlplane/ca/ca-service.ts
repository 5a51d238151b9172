// The CSR service over gRPC (istio.v1.auth.IstioCertificateService/CreateCertificate): authenticates the
// caller's bearer token, signs for the identity the token proves, answers with the chain and, in the
// `trellis-trust-bundle-bin` response header, every root currently trusted.
import * as grpc from '@grpc/grpc-js';
import type { CertificateAuthority } from './authority.js';
import {
  type CertificateRequest,
  type CertificateResponse,
  CREATE_CERTIFICATE_PATH,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from './ca-messages.js';
import { CsrError, IdentityMismatchError } from './leaf.js';
import { AuthenticationError, type Authenticator, bearerToken } from './token.js';

/** Response header carrying the PEM trust bundle (current root first), for rotation overlaps. */
export const TRUST_BUNDLE_HEADER = 'trellis-trust-bundle-bin';

export const caServiceDefinition = {
  CreateCertificate: {
    path: CREATE_CERTIFICATE_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeRequest,
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeResponse,
  },
} satisfies grpc.ServiceDefinition;

export interface CaServiceOptions {
  log?: (message: string) => void;
}

function fail(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details };
}

/** Adds the CA service to a gRPC server (the control plane's, beside ADS). */
export function registerCaService(
  server: grpc.Server,
  ca: CertificateAuthority,
  authenticator: Authenticator,
  options: CaServiceOptions = {},
): void {
  const log = options.log ?? (() => {});
  const createCertificate: grpc.handleUnaryCall<CertificateRequest, CertificateResponse> = (
    call,
    callback,
  ) => {
    const header = call.metadata.get('authorization')[0];
    const token = bearerToken(typeof header === 'string' ? header : undefined);
    if (!token) {
      callback(fail(grpc.status.UNAUTHENTICATED, 'missing "authorization: Bearer <token>" call metadata'));
      return;
    }
    if ('ImpersonatedIdentity' in call.request.metadata) {
      callback(
        fail(grpc.status.PERMISSION_DENIED, 'impersonation is not supported: a caller gets its own identity'),
      );
      return;
    }
    void (async () => {
      try {
        const caller = await authenticator.authenticate(token);
        const issued = await ca.sign(call.request.csr, caller, call.request.validityDurationSeconds);
        const md = new grpc.Metadata();
        md.set(TRUST_BUNDLE_HEADER, Buffer.from(ca.trustBundlePem().join('')));
        call.sendMetadata(md);
        log(`issued ${issued.spiffeId} serial ${issued.serial} until ${issued.notAfter.toISOString()}`);
        callback(null, { certChain: issued.certChainPem });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof AuthenticationError) callback(fail(grpc.status.UNAUTHENTICATED, message));
        else if (err instanceof IdentityMismatchError) callback(fail(grpc.status.PERMISSION_DENIED, message));
        else if (err instanceof CsrError) callback(fail(grpc.status.INVALID_ARGUMENT, message));
        else callback(fail(grpc.status.INTERNAL, `signing failed: ${message}`));
        log(`refused a certificate: ${message}`);
      }
    })();
  };
  server.addService(caServiceDefinition, { CreateCertificate: createCertificate });
}
