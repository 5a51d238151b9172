// The workload's end of the CSR service: one CreateCertificate call over gRPC with the bootstrap token as
// `authorization: Bearer <jwt>`, returning the chain and the trust bundle the CA sent beside it.
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import type { Clock } from '../../common/clock.js';
import type { CertificateRequest, CertificateResponse } from '../../controlplane/ca/ca-messages.js';
import { caServiceDefinition, TRUST_BUNDLE_HEADER } from '../../controlplane/ca/ca-service.js';
import type { KeyType } from '../../controlplane/ca/x509.js';
import { CertificateRotator } from './rotator.js';

/** What the CA answered: leaf first and root last, plus every root trusted now. */
export interface SignedChain {
  certChainPem: string[];
  /** PEMs of the trust bundle; just the chain's root when the CA sent no bundle. */
  trustBundlePem: string[];
}

export class CaCallError extends Error {
  override readonly name = 'CaCallError';
  constructor(
    readonly code: grpc.status,
    details: string,
  ) {
    super(`CreateCertificate failed (${grpc.status[code] ?? code}): ${details}`);
  }
}

export interface CaClientOptions {
  /** host:port of the control plane's gRPC server, e.g. 127.0.0.1:15012. */
  address: string;
  /** Defaults to plaintext (one machine, loopback); TLS to the CA comes with the control plane's cert. */
  credentials?: grpc.ChannelCredentials;
  /** Deadline of one call (ms). */
  timeoutMs?: number;
  /** gRPC channel options, e.g. `grpc.ssl_target_name_override` to check a DNS SAN while dialing an IP. */
  channelOptions?: grpc.ChannelOptions;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g;

export class CaClient {
  private readonly client: grpc.Client;
  private readonly timeoutMs: number;

  constructor(options: CaClientOptions) {
    this.client = new grpc.Client(
      options.address,
      options.credentials ?? grpc.credentials.createInsecure(),
      options.channelOptions,
    );
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  createCertificate(csrPem: string, token: string, validitySeconds = 0): Promise<SignedChain> {
    const def = caServiceDefinition.CreateCertificate;
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    const request: CertificateRequest = {
      csr: csrPem,
      validityDurationSeconds: validitySeconds,
      metadata: {},
    };
    return new Promise((resolve, reject) => {
      let bundle: string[] = [];
      const call = this.client.makeUnaryRequest<CertificateRequest, CertificateResponse>(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        metadata,
        { deadline: Date.now() + this.timeoutMs },
        (err, response) => {
          if (err) {
            reject(new CaCallError(err.code ?? grpc.status.UNKNOWN, err.details ?? err.message));
            return;
          }
          const chain = response?.certChain ?? [];
          if (chain.length === 0) {
            reject(new CaCallError(grpc.status.INTERNAL, 'empty certificate chain'));
            return;
          }
          resolve({
            certChainPem: chain,
            trustBundlePem: bundle.length > 0 ? bundle : [chain[chain.length - 1]],
          });
        },
      );
      call.on('metadata', (md: grpc.Metadata) => {
        const value = md.get(TRUST_BUNDLE_HEADER)[0];
        if (Buffer.isBuffer(value)) {
          bundle = (value.toString('utf8').match(PEM_CERT) ?? []).map((p) =>
            p.endsWith('\n') ? p : p + '\n',
          );
        }
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Where the bootstrap token comes from; read on every call, since tokens on disk may be replaced. */
export type TokenSource = () => string | Promise<string>;

/** Reads the token from a file each time (the supervisor writes it; a projected SA token later). */
export function fileTokenSource(path: string): TokenSource {
  return async () => (await readFile(path, 'utf8')).trim();
}

/** A CertificateRequester for CertificateRotator that calls the CA over gRPC with the current token. */
export function caRequester(
  client: CaClient,
  token: TokenSource,
): (csrPem: string, validitySeconds: number) => Promise<SignedChain> {
  return async (csrPem, validitySeconds) => client.createCertificate(csrPem, await token(), validitySeconds);
}

export interface WorkloadCertificateAgentOptions extends CaClientOptions {
  token: TokenSource;
  clock?: Clock;
  keyType?: KeyType;
  /** Requested certificate lifetime (s); 0 lets the CA choose. */
  validitySeconds?: number;
  onError?: (err: unknown) => void;
}

/**
 * A workload's certificates in one object: a CA client and a rotator renewing through it. Call
 * `rotator.start()` for the first certificate, subscribe with `rotator.onCertificate`, `close()` at exit.
 */
export function createWorkloadCertificateAgent(options: WorkloadCertificateAgentOptions): {
  rotator: CertificateRotator;
  close(): void;
} {
  const client = new CaClient(options);
  const rotator = new CertificateRotator({
    requestCertificate: caRequester(client, options.token),
    clock: options.clock,
    keyType: options.keyType,
    validitySeconds: options.validitySeconds,
    onError: options.onError,
  });
  return {
    rotator,
    close: () => {
      rotator.stop();
      client.close();
    },
  };
}
